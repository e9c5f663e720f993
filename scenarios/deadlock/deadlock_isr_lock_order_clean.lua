-- deadlock_isr_lock_order_clean: the capture driver of
-- deadlock_isr_lock_order with the fix: the configuration path takes
-- StatsLock first, at DISPATCH_LEVEL, and calls KeSynchronizeExecution
-- under it (StatsLock -> interrupt lock, the order the DPC and the ISR can
-- never invert), and the synchronize routine touches only what the ISR
-- shares.
scenario {
  verifier = "/flags 0x20 /driver capt.sys",
  cpus = 2,
  expect = "clean",
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
      local OldIrql = KeAcquireSpinLock(StatsLock)
      Dropped = Dropped + 1
      KeSynchronizeExecution(InterruptObject, function(SynchronizeContext)
        Frames = 0
        return true
      end, nil)
      KeReleaseSpinLock(StatsLock, OldIrql)
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
