-- kdpc_switch: a storage driver's timer DPC starts a command by waking the
-- controller thread, then waits up to 10 ms for the thread to say it is done.
-- A DPC runs at DISPATCH_LEVEL on whatever thread it interrupted; it has no
-- thread of its own to put to sleep, so the dispatcher would have to switch
-- away from the interrupted one: ATTEMPTED_SWITCH_FROM_DPC (0xB8, P1 the
-- interrupted thread). No verifier here: with it, the wait itself would be
-- stopped first (0xC4/0x122, a KeWaitXxx at DISPATCH_LEVEL with a nonzero
-- timeout).
scenario {
  expect = { bugcheck = 0xB8, driver = "stor.sys" },
}

driver "stor.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Start, Done, Stop = KEVENT(), KEVENT(), KEVENT()
    CommandTimer, CommandDpc = KTIMER(), KDPC()
    Completed = 0
    KeInitializeEvent(Start, SynchronizationEvent, false)
    KeInitializeEvent(Done, SynchronizationEvent, false)
    KeInitializeEvent(Stop, NotificationEvent, false)
    KeInitializeTimer(CommandTimer)
    KeInitializeDpc(CommandDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Start, 0, false)
      -- BUG: a wait in a DPC, for an event that is not signalled yet.
      if KeWaitForSingleObject(Done, Executive, KernelMode, false, -10000 * 10) == STATUS_SUCCESS then
        Completed = Completed + 1
      end
    end, nil)
    KeSetTimerEx(CommandTimer, -10000 * 100, 100, CommandDpc)   -- every 100 ms
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while KeWaitForMultipleObjects(2, { Stop, Start }, WaitAny, Executive, KernelMode, false, nil, nil) == STATUS_WAIT_1 do
        KeDelayExecutionThread(KernelMode, false, -10000 * 2)   -- the command takes 2 ms
        KeSetEvent(Done, 0, false)
      end
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Controller = object
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(CommandTimer)
      KeFlushQueuedDpcs()
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Controller, Executive, KernelMode, false, nil)
      ObDereferenceObject(Controller)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "stor.sys"
  Sleep "1s"
  UnloadDriver "stor.sys"
end)
