-- wait_user_mode_stack_object: poller.sys's thread waits for its timer's DPC on an
-- event declared on its own kernel stack, with WaitMode UserMode. A
-- user-mode wait lets the stack be paged out; miscellaneous checks (in
-- /standard) give 0xC4/0x123 (P2 the event).
scenario {
  verifier = "/standard /driver poller.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x123, p3 = 0, p4 = 0, driver = "poller.sys" },
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
      -- BUG: a UserMode wait lets the kernel stack, and the event on it,
      -- be paged out while the DPC signals it: wait in KernelMode.
      KeWaitForSingleObject(Tick, Executive, UserMode, false, nil)
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
