-- IrqlExApcLte1: a configuration cache takes its fast mutex from its timer
-- DPC to refresh an entry. ExAcquireFastMutex may be called at IRQL <=
-- APC_LEVEL only: DDI compliance checking stops the call (0xC4/0x20005), before
-- the automatic check (0xC4/0x33).
scenario {
  verifier = "/standard /driver cfgcache.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20005, p3 = 0, p4 = 0, driver = "cfgcache.sys" },
}

driver "cfgcache.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    Mutex = FAST_MUTEX()
    ExInitializeFastMutex(Mutex)
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      -- BUG: a fast mutex at DISPATCH_LEVEL.
      ExAcquireFastMutex(Mutex)
      ExReleaseFastMutex(Mutex)
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
      -- nothing more to do
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
  LoadDriver "cfgcache.sys"
  Sleep "50ms"
  UnloadDriver "cfgcache.sys"
end)
