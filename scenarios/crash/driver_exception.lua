-- driver_exception: a driver writes through the NULL an unchecked, failed allocation returned, at PASSIVE_LEVEL (0x7E, access violation).
scenario {
  -- P2 is the faulting instruction (the scenario line, inside the image).
  expect = { bugcheck = 0x7E, p1 = 0xC0000005, p3 = 0, p4 = 0, driver = "evtlog.sys" },
}

local RECORD_SIZE = 64

-- Reads Parameters\MaxRecords. The value is missing, and the caller's
-- "not found" default of -1 was stored in a ULONG: 0xFFFFFFFF records.
local function ReadMaxRecords(RegistryPath)
  return 0xFFFFFFFF
end

driver "evtlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local MaxRecords = ReadMaxRecords(RegistryPath)
    -- 0xFFFFFFFF * 64 bytes: far more than the machine has, so this fails.
    Records = ExAllocatePoolWithTag(NonPagedPoolNx, MaxRecords * RECORD_SIZE, "EvtL")
    -- BUG: the result is not checked for NULL before the first record is written.
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
