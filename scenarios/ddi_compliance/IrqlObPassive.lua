-- IrqlObPassive: a thread monitor references its worker thread by handle
-- from its timer DPC. ObReferenceObjectByHandle may be called at
-- PASSIVE_LEVEL only (0xC4/0x2001B).
scenario {
  verifier = "/standard /driver thrmon.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x2001B, p3 = 0, p4 = 0, driver = "thrmon.sys" },
}

driver "thrmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      -- BUG: a handle looked up at DISPATCH_LEVEL.
      local status, Object = ObReferenceObjectByHandle(WorkerHandle, 0, nil, KernelMode)
      if status == STATUS_SUCCESS then
        ObDereferenceObject(Object)
      end
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
  LoadDriver "thrmon.sys"
  Sleep "50ms"
  UnloadDriver "thrmon.sys"
end)
