-- IrqlKeDispatchLte: a sampler raises to HIGH_LEVEL for an atomic copy and
-- clears its "sample ready" event inside that section. KeClearEvent may be
-- called at IRQL <= DISPATCH_LEVEL only (0xC4/0x20011).
scenario {
  verifier = "/standard /driver hsample.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20011, p3 = 0, p4 = 0, driver = "hsample.sys" },
}

driver "hsample.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    Samples = 0
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
      local OldIrql = KeRaiseIrql(HIGH_LEVEL)
      Samples = Samples + 1
      -- BUG: KeClearEvent at HIGH_LEVEL.
      KeClearEvent(Ready)
      KeLowerIrql(OldIrql)
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
  LoadDriver "hsample.sys"
  Sleep "50ms"
  UnloadDriver "hsample.sys"
end)
