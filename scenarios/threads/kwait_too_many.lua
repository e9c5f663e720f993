-- kwait_too_many: a NIC driver's completion thread waits on the completion
-- events of its four hardware queues and on its stop event: five objects,
-- with no KWAIT_BLOCK array of its own. A thread brings wait blocks for
-- THREAD_WAIT_OBJECTS (3) objects; more need the caller's array:
-- MAXIMUM_WAIT_OBJECTS_EXCEEDED (0x0C). No verifier here, and none needed:
-- Driver Verifier has no check of its own for this, so with /standard the
-- kernel stops the same way.
scenario {
  expect = { bugcheck = 0x0C, driver = "mqnic.sys" },
}

local QUEUES = 4

driver "mqnic.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Stop = KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    QueueDone, Completions = {}, {}
    for q = 1, QUEUES do
      QueueDone[q] = KEVENT()
      KeInitializeEvent(QueueDone[q], SynchronizationEvent, false)
      Completions[q] = 0
    end

    -- The hardware: every 10 ms one of the queues completes a packet.
    CompletionTimer, CompletionDpc = KTIMER(), KDPC()
    KeInitializeTimer(CompletionTimer)
    KeInitializeDpc(CompletionDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(QueueDone[math.random(1, QUEUES)], 0, false)
    end, nil)
    KeSetTimerEx(CompletionTimer, -10000 * 10, 10, CompletionDpc)

    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      local Objects = { Stop, QueueDone[1], QueueDone[2], QueueDone[3], QueueDone[4] }
      while true do
        -- BUG: five objects and no WaitBlockArray (NULL).
        local Status = KeWaitForMultipleObjects(#Objects, Objects, WaitAny, Executive, KernelMode,
                                                false, nil, nil)
        if Status == STATUS_WAIT_0 then
          break
        end
        local q = Status - STATUS_WAIT_0      -- STATUS_WAIT_0 + q: QueueDone[q]
        Completions[q] = Completions[q] + 1
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      KeCancelTimer(CompletionTimer)
      KeFlushQueuedDpcs()
      return status
    end
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    CompletionThread = object

    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(CompletionTimer)
      KeFlushQueuedDpcs()
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(CompletionThread, Executive, KernelMode, false, nil)
      ObDereferenceObject(CompletionThread)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "mqnic.sys"
  Sleep "200ms"
  UnloadDriver "mqnic.sys"
end)
