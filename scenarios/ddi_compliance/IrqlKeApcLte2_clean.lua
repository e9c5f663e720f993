-- IrqlKeApcLte2, clean twin: the critical region is entered at
-- PASSIVE_LEVEL, before the spin lock is taken, and left after it is
-- released.
scenario {
  verifier = "/standard /driver regcopy.sys",
  expect   = "clean",
}

driver "regcopy.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    Lock, Copies = KSPIN_LOCK(), 0
    KeInitializeSpinLock(Lock)
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
      KeEnterCriticalRegion()
      local OldIrql = KeAcquireSpinLock(Lock)
      Copies = Copies + 1
      KeReleaseSpinLock(Lock, OldIrql)
      KeLeaveCriticalRegion()
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
  LoadDriver "regcopy.sys"
  Sleep "50ms"
  UnloadDriver "regcopy.sys"
end)
