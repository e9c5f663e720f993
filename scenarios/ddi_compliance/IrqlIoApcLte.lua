-- IrqlIoApcLte: a hot-plug driver deletes its device object from the timer
-- DPC that notices the device is gone. IoDeleteDevice may be called at IRQL
-- <= APC_LEVEL only (0xC4/0x20009).
scenario {
  verifier = "/standard /driver hotplug.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20009, p3 = 0, p4 = 0, driver = "hotplug.sys" },
}

driver "hotplug.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    local status
    status, Device = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      -- BUG: a device deleted at DISPATCH_LEVEL.
      IoDeleteDevice(Device)
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
  LoadDriver "hotplug.sys"
  Sleep "50ms"
  UnloadDriver "hotplug.sys"
end)
