-- IrqlIoPassive3, clean twin: the driver's thread creates the symbolic link
-- at PASSIVE_LEVEL; unload deletes it and the device.
scenario {
  verifier = "/standard /driver linkdev.sys",
  expect   = "clean",
}

driver "linkdev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    local status
    status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\LinkDev", FILE_DEVICE_UNKNOWN, 0, false)
    Linked = false
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
      Linked = IoCreateSymbolicLink("\\DosDevices\\LinkDev", "\\Device\\LinkDev") == STATUS_SUCCESS
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
      if Linked then
        IoDeleteSymbolicLink("\\DosDevices\\LinkDev")
      end
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "linkdev.sys"
  Sleep "50ms"
  UnloadDriver "linkdev.sys"
end)
