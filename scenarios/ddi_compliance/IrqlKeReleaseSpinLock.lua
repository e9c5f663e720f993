-- IrqlKeReleaseSpinLock: a transmit queue's error path releases its spin
-- lock, then falls through to the common exit, which releases it again. The
-- first release restored PASSIVE_LEVEL, so the second KeReleaseSpinLock runs
-- below DISPATCH_LEVEL: DDI compliance checking stops it (0xC4/0x20015),
-- before the automatic check (0xC4/0x32).
scenario {
  verifier = "/standard /driver txq.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20015, p3 = 0, p4 = 0, driver = "txq.sys" },
}

driver "txq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    Lock, Queued = KSPIN_LOCK(), 0
    KeInitializeSpinLock(Lock)
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
      local OldIrql = KeAcquireSpinLock(Lock)
      if Queued >= 0 then
        -- the queue is full: the error path
        KeReleaseSpinLock(Lock, OldIrql)
      end
      -- BUG: the common exit releases the lock again.
      KeReleaseSpinLock(Lock, OldIrql)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    WorkerHandle = handle
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    Worker = object
    KeSetTimer(Timer, -10000 * 10, Dpc)                 -- in 10 ms
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)
      ZwClose(WorkerHandle)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "txq.sys"
  Sleep "50ms"
  UnloadDriver "txq.sys"
end)
