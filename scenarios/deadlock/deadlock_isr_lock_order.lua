-- deadlock_isr_lock_order: a capture driver's ISR runs under its interrupt
-- spin lock, and its configuration path calls KeSynchronizeExecution
-- (holding that lock, at the device IRQL) with a routine that takes the
-- statistics spin lock; its DPC takes the statistics lock at
-- DISPATCH_LEVEL, with the interrupt unmasked. Processor 0 in the DPC holds
-- StatsLock; processor 1 holds the interrupt lock and spins on StatsLock;
-- the interrupt arrives on processor 0, whose ISR spins on the interrupt
-- lock: neither lets go. drvsim's IRQL-safety rule stops it at the order
-- interrupt lock -> StatsLock once both uses are seen (0xC4,
-- P1 = 0xD0010002, P2 the lock taken below the ISR's IRQL, P3 the ISR's
-- lock, P4 the ISR's IRQL).
scenario {
  verifier = "/flags 0x20 /driver capt.sys",
  cpus = 2,
  expect = { bugcheck = 0xC4, p1 = 0xD0010002, driver = "capt.sys" },
}

driver "capt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    StatsLock, StatsDpc = KSPIN_LOCK(), KDPC()
    KeInitializeSpinLock(StatsLock)
    Frames, Dropped = 0, 0
    local status
    status, InterruptObject = IoConnectInterrupt(function(Interrupt, ServiceContext)
      Frames = Frames + 1
      return true
    end, nil, nil, 0x81, 5, 5, LevelSensitive, false, 0x3, false)

    KeInitializeDpc(StatsDpc, function(Dpc, Context, Argument1, Argument2)
      KeAcquireSpinLockAtDpcLevel(StatsLock)
      Dropped = 0
      KeReleaseSpinLockFromDpcLevel(StatsLock)
    end, nil)

    -- The configuration path: a thread that reconfigures on request.
    Reconfigure = KEVENT()
    KeInitializeEvent(Reconfigure, NotificationEvent, false)
    local _, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Reconfigure, Executive, KernelMode, false, nil)
      KeSynchronizeExecution(InterruptObject, function(SynchronizeContext)
        KeAcquireSpinLockAtDpcLevel(StatsLock)   -- BUG: StatsLock is taken at DISPATCH_LEVEL
        Dropped = Dropped + 1
        KeReleaseSpinLockFromDpcLevel(StatsLock)
        return true
      end, nil)
    end, nil)
    _, ConfigThread = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)

    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(ConfigThread, Executive, KernelMode, false, nil)
      ObDereferenceObject(ConfigThread)
      IoDisconnectInterrupt(InterruptObject)
    end
    return status
  end,
}

run(function()
  LoadDriver "capt.sys"
  Interrupt(InterruptObject)
  Sleep "1ms"
  KeInsertQueueDpc(StatsDpc, nil, nil)
  Sleep "1ms"
  KeSetEvent(Reconfigure, 0, false)
  Sleep "1ms"
  UnloadDriver "capt.sys"
end)
