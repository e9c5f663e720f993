-- driver_exception (clean twin): the driver bounds the registry value and checks the allocation for NULL.
scenario {
  expect = "clean",
}

local RECORD_SIZE = 64
local DEFAULT_MAX_RECORDS, LIMIT_MAX_RECORDS = 256, 4096

-- Reads Parameters\MaxRecords. The value is missing, and the caller's
-- "not found" default of -1 was stored in a ULONG: 0xFFFFFFFF records.
local function ReadMaxRecords(RegistryPath)
  return 0xFFFFFFFF
end

driver "evtlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local MaxRecords = ReadMaxRecords(RegistryPath)
    if MaxRecords == 0 or MaxRecords > LIMIT_MAX_RECORDS then   -- right: validate input
      MaxRecords = DEFAULT_MAX_RECORDS
    end
    Records = ExAllocatePoolWithTag(NonPagedPoolNx, MaxRecords * RECORD_SIZE, "EvtL")
    if Records == nil then                   -- right: and check for NULL
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Records[0] = 0x01                        -- Records->Version = 1
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Records, "EvtL")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "evtlog.sys"
  Sleep "10ms"
  UnloadDriver "evtlog.sys"
end)
