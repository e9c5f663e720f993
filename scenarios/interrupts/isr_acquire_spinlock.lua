-- isr_acquire_spinlock: a verified driver whose ISR takes the executive
-- spin lock that protects its request list (KeAcquireSpinLock) instead of
-- deferring the work to its DPC. An ISR runs at its device IRQL, above
-- DISPATCH_LEVEL, where KeAcquireSpinLock must not be called (it would
-- lower the IRQL on release): the verifier's automatic check stops it
-- (0xC4, P1 = 0x42, P2 the IRQL).
scenario {
  -- /standard without DDI compliance checking (0x20000): with it, the rule
  -- IrqlKeDispatchLte (0x20011) reports the same call first, as on Windows.
  verifier = "/flags 0x9BB /driver disk.sys",
  cpus = 2,
  expect = { bugcheck = 0xC4, p1 = 0x42, p2 = 5, driver = "disk.sys" },
}

driver "disk.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ListLock = KSPIN_LOCK()
    KeInitializeSpinLock(ListLock)
    Completed = 0
    local status
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, ServiceContext)
      local OldIrql = KeAcquireSpinLock(ListLock)   -- BUG: at device IRQL
      Completed = Completed + 1
      KeReleaseSpinLock(ListLock, OldIrql)
      return true
    end, nil, nil, 0x81, 5, 5, LevelSensitive, false, 0x3, false)
    DriverObject.DriverUnload = function(DriverObject)
      IoDisconnectInterrupt(InterruptObject)
    end
    return status
  end,
}

run(function()
  LoadDriver "disk.sys"
  Interrupt(InterruptObject)
  Sleep "1ms"
  UnloadDriver "disk.sys"
end)
