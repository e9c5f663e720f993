-- Force IRQL checking (0x2) and KeSynchronizeExecution: a device driver
-- keeps its register shadow in paged pool and updates it in the
-- SynchCritSection routine it runs with KeSynchronizeExecution, at the
-- device's SynchronizeIrql. On a real machine the page is usually resident;
-- force IRQL checking trims pageable memory at every KeSynchronizeExecution
-- of a verified driver, before the routine runs, so the first touch inside
-- the routine faults: 0xD1, P1 the address, P2 the IRQL (the device IRQL,
-- 7), P3 1 (a write).
-- Source: windows-driver-docs-pr/devtest/force-irql-checking.md
scenario {
  verifier = "/flags 0x2 /driver shadow.sys",
  expect   = { bugcheck = 0xD1, p2 = 7, p3 = 1, driver = "shadow.sys" },
}

local DEVICE_IRQL = 7

driver "shadow.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- BUG: the ISR's and the SynchCritSection routine's data must be nonpaged.
    Shadow = ExAllocatePoolWithTag(PagedPool, 64, "Shdw")
    if Shadow == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Shadow[0] = 0                                -- touched at PASSIVE_LEVEL: resident
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
