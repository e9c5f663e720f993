-- pool_must_succeed: a legacy driver asks for two pages of must-succeed pool for its emergency buffer (0xC4/0x03).
scenario {
  verifier = "/standard /driver oldscsi.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x03, p2 = 0, p3 = 0, p4 = 0, driver = "oldscsi.sys" },
}

local EMERGENCY_BUFFER_SIZE = 2 * PAGE_SIZE

driver "oldscsi.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- BUG: NonPagedPoolMustSucceed, carried over from NT 4 code. Drivers may
    -- never make must-succeed requests; allocate normally and handle NULL.
    Emergency = ExAllocatePoolWithTag(NonPagedPoolMustSucceed, EMERGENCY_BUFFER_SIZE, "ScEm")
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Emergency, "ScEm")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "oldscsi.sys"
  Sleep "10ms"
  UnloadDriver "oldscsi.sys"
end)
