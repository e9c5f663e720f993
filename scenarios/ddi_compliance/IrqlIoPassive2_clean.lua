-- IrqlIoPassive2, clean twin: the driver's thread connects the interrupt at
-- PASSIVE_LEVEL; unload disconnects it.
scenario {
  verifier = "/standard /driver latecon.sys",
  expect   = "clean",
}

driver "latecon.sys" {
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
      status, Interrupt = IoConnectInterrupt(function(Interrupt, ServiceContext) return false end,
                                             nil, nil, 0x52, 5, 5, Latched, false, 0x1, false)
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
      if Interrupt ~= nil then
        IoDisconnectInterrupt(Interrupt)
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "latecon.sys"
  Sleep "50ms"
  UnloadDriver "latecon.sys"
end)
