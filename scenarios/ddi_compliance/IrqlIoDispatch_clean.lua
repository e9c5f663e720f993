-- IrqlIoDispatch, clean twin: the driver lowers the IRQL before it names
-- the device to verify, and reads it back with IoGetDeviceToVerify.
scenario {
  verifier = "/standard /driver mediachg.sys",
  expect   = "clean",
}

driver "mediachg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    local status
    status, Device = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_DISK, FILE_REMOVABLE_MEDIA, false)
    MediaChanged = 0
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
      local OldIrql = KeRaiseIrql(HIGH_LEVEL)       -- the media-change register
      MediaChanged = MediaChanged + 1
      KeLowerIrql(OldIrql)
      IoSetDeviceToVerify(PsGetCurrentThread(), Device)
      assert(IoGetDeviceToVerify(PsGetCurrentThread()) == Device, "the device to verify")
      IoSetDeviceToVerify(PsGetCurrentThread(), nil)
      assert(IoGetDeviceToVerify(PsGetCurrentThread()) == nil, "cleared")
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
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "mediachg.sys"
  Sleep "50ms"
  UnloadDriver "mediachg.sys"
end)
