-- IrqlIoPassive3: a driver publishes its device's DOS name from the timer
-- DPC that sees the device ready. IoCreateSymbolicLink may be called at
-- PASSIVE_LEVEL only (0xC4/0x2000C).
scenario {
  verifier = "/standard /driver linkdev.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x2000C, p3 = 0, p4 = 0, driver = "linkdev.sys" },
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
      -- BUG: a symbolic link created at DISPATCH_LEVEL.
      Linked = IoCreateSymbolicLink("\\DosDevices\\LinkDev", "\\Device\\LinkDev") == STATUS_SUCCESS
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
