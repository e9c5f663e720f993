-- IrqlIoPassive4: a driver withdraws its device's DOS name from the timer
-- DPC that notices the device went away. IoDeleteSymbolicLink may be called
-- at PASSIVE_LEVEL only (0xC4/0x2000D).
scenario {
  verifier = "/standard /driver unlink.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x2000D, p3 = 0, p4 = 0, driver = "unlink.sys" },
}

driver "unlink.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    local status
    status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\Unlink", FILE_DEVICE_UNKNOWN, 0, false)
    IoCreateSymbolicLink("\\DosDevices\\Unlink", "\\Device\\Unlink")
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      -- BUG: a symbolic link deleted at DISPATCH_LEVEL.
      IoDeleteSymbolicLink("\\DosDevices\\Unlink")
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
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "unlink.sys"
  Sleep "50ms"
  UnloadDriver "unlink.sys"
end)
