-- IrqlIoPassive1: a driver creates its control device lazily, from the
-- timer DPC that first needs it. IoCreateDevice may be called at
-- PASSIVE_LEVEL only (0xC4/0x2000A).
scenario {
  verifier = "/standard /driver lazydev.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x2000A, p3 = 0, p4 = 0, driver = "lazydev.sys" },
}

driver "lazydev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      -- BUG: a device created at DISPATCH_LEVEL.
      local status
      status, Device = IoCreateDevice(Driver, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
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
