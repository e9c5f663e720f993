-- kdpc_switch, clean twin: the timer DPC does not wait. It collects the
-- previous command's completion by polling the "done" event with a zero
-- timeout, which DISPATCH_LEVEL allows, then starts the next command. The
-- driver cancels its timer, flushes the DPC and stops the thread before it
-- unloads.
scenario {
  expect = "clean",
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
      if KeWaitForSingleObject(Done, Executive, KernelMode, false, 0) == STATUS_SUCCESS then
        Completed = Completed + 1
      end
      KeSetEvent(Start, 0, false)
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
  assert(Completed >= 8, "every command but the last collected: " .. Completed)
end)
