-- paged_pool_in_synch_routine (clean twin): the register shadow lives in
-- nonpaged pool, so the trim force IRQL checking makes at
-- KeSynchronizeExecution costs the SynchCritSection routine nothing.
-- Source: windows-driver-docs-pr/devtest/force-irql-checking.md
scenario {
  verifier = "/flags 0x2 /driver shadow.sys",
  expect   = "clean",
}

local DEVICE_IRQL = 7

driver "shadow.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- Right: what runs at the device IRQL touches nonpaged memory only.
    Shadow = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Shdw")
    if Shadow == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Shadow[0] = 0
    local status
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, ServiceContext)
      return false                               -- not our interrupt
    end, nil, nil, 0x62, DEVICE_IRQL, DEVICE_IRQL, Latched, false, 0x1, false)
    if status ~= STATUS_SUCCESS then
      ExFreePoolWithTag(Shadow, "Shdw")
      return status
    end
    KeSynchronizeExecution(InterruptObject, function(SynchronizeContext)
      Shadow[0] = 0x81                           -- the new control value
      return true
    end, nil)
    DriverObject.DriverUnload = function(DriverObject)
      IoDisconnectInterrupt(InterruptObject)
      ExFreePoolWithTag(Shadow, "Shdw")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "shadow.sys"
  UnloadDriver "shadow.sys"
end)
