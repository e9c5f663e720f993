-- IrqlIoPassive1, clean twin: the driver's thread creates the control
-- device at PASSIVE_LEVEL; unload deletes it.
scenario {
  verifier = "/standard /driver lazydev.sys",
  expect   = "clean",
}

driver "lazydev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
      local status
      status, Device = IoCreateDevice(Driver, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
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
      if Device ~= nil then
        IoDeleteDevice(Device)
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "lazydev.sys"
  Sleep "50ms"
  UnloadDriver "lazydev.sys"
end)
