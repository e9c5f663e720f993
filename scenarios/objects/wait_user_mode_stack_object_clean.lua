-- wait_user_mode_stack_object (clean twin): the thread waits on its stack event in
-- KernelMode, which keeps the stack resident.
scenario {
  verifier = "/standard /driver poller.sys",
  expect   = "clean",
}

driver "poller.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Timer, Dpc, Exited = KTIMER(), KDPC(), KEVENT()
    KeInitializeTimer(Timer)
    KeInitializeEvent(Exited, NotificationEvent, false)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Tick, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      -- The poll's completion event is a local of the thread routine, on
      -- its kernel stack, as `KEVENT Tick;` in C.
      Tick = StackObject(KEVENT)
      KeInitializeEvent(Tick, SynchronizationEvent, false)
      KeSetTimer(Timer, -10000, Dpc)
      KeWaitForSingleObject(Tick, Executive, KernelMode, false, nil)   -- right
      KeSetEvent(Exited, IO_NO_INCREMENT, false)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    ZwClose(handle)
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Exited, Executive, KernelMode, false, nil)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "poller.sys"
  Sleep "10ms"
  UnloadDriver "poller.sys"
end)
