-- IrqlExApcLte3, clean twin: the flush runs on the driver's thread at
-- PASSIVE_LEVEL, in a critical region.
scenario {
  verifier = "/standard /driver volmeta.sys",
  expect   = "clean",
}

driver "volmeta.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    Resource = ERESOURCE()
    ExInitializeResourceLite(Resource)
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
      KeEnterCriticalRegion()
      ExAcquireResourceExclusiveLite(Resource, true)
      ExReleaseResourceLite(Resource)
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
      ExDeleteResourceLite(Resource)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "volmeta.sys"
  Sleep "50ms"
  UnloadDriver "volmeta.sys"
end)
