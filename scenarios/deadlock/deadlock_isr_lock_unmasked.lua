-- deadlock_isr_lock_unmasked: a serial driver's ISR takes the receive
-- buffer's spin lock (KeAcquireSpinLockAtDpcLevel, at its device IRQL), and
-- its read path takes the same lock with KeAcquireSpinLock, at
-- DISPATCH_LEVEL, where the device's interrupt is not masked. When the
-- interrupt arrives on the processor that holds the lock, the ISR spins on
-- it for ever above the holder: a one-processor deadlock Windows finds only
-- when the machine hangs. The run never hits it (the read has released the
-- lock before the interrupt comes); drvsim's IRQL-safety rule stops it at
-- the ISR's acquisition (0xC4, P1 = 0xD0010001, P2 the lock, P3 the ISR's
-- IRQL, P4 the IRQL of the other acquisition).
scenario {
  verifier = "/flags 0x20 /driver serx.sys",
  expect = { bugcheck = 0xC4, p1 = 0xD0010001, driver = "serx.sys" },
}

driver "serx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    RxLock = KSPIN_LOCK()
    KeInitializeSpinLock(RxLock)
    RxBytes = 0
    local status
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, ServiceContext)
      KeAcquireSpinLockAtDpcLevel(RxLock)      -- BUG: also taken at DISPATCH_LEVEL
      RxBytes = RxBytes + 1
      KeReleaseSpinLockFromDpcLevel(RxLock)
      return true
    end, nil, nil, 0x81, 5, 5, LevelSensitive, false, 0x1, false)

    -- The read path.
    local OldIrql = KeAcquireSpinLock(RxLock)
    local Taken = RxBytes
    RxBytes = 0
    KeReleaseSpinLock(RxLock, OldIrql)

    DriverObject.DriverUnload = function(DriverObject)
      IoDisconnectInterrupt(InterruptObject)
    end
    return status
  end,
}

run(function()
  LoadDriver "serx.sys"
  Interrupt(InterruptObject)
  Sleep "1ms"
  UnloadDriver "serx.sys"
end)
