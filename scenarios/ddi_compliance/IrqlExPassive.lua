-- IrqlExPassive: a parser reports a malformed record by raising
-- STATUS_INVALID_PARAMETER with ExRaiseStatus, and catches it, but does so in
-- its timer DPC. ExRaiseStatus may be called at IRQL <= APC_LEVEL only (the
-- rule page): 0xC4/0x20008.
scenario {
  verifier = "/standard /driver parsecfg.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20008, p3 = 0, p4 = 0, driver = "parsecfg.sys" },
}

driver "parsecfg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      -- BUG: an exception raised at DISPATCH_LEVEL.
      __try(function() ExRaiseStatus(STATUS_INVALID_PARAMETER) end, function(code) return code end)
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
  LoadDriver "parsecfg.sys"
  Sleep "50ms"
  UnloadDriver "parsecfg.sys"
end)
