-- wait_at_dispatch_forever, clean twin: the consumer thread releases the
-- queue lock before it waits (at PASSIVE_LEVEL, for a request or the stop
-- event) and takes it again to dequeue; unload stops the producer DPC and
-- the thread and frees any request still queued.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  verifier = "/standard /driver reqq.sys",
  expect   = "clean",
}

driver "reqq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    QueueLock, RequestQueued, Stop = KSPIN_LOCK(), KEVENT(), KEVENT()
    ArrivalTimer, ArrivalDpc = KTIMER(), KDPC()
    Queue, NextId, Completed = {}, 1, 0
    KeInitializeSpinLock(QueueLock)
    KeInitializeEvent(RequestQueued, SynchronizationEvent, false)
    KeInitializeEvent(Stop, NotificationEvent, false)

    -- Requests arrive every 20 ms (the completion path of another driver).
    KeInitializeTimer(ArrivalTimer)
    KeInitializeDpc(ArrivalDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      local Request = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "Qreq")
      if Request == nil then
        return
      end
      Request:set_u32(0, NextId)
      NextId = NextId + 1
      KeAcquireSpinLockAtDpcLevel(QueueLock)
      Queue[#Queue + 1] = Request
      KeReleaseSpinLockFromDpcLevel(QueueLock)
      KeSetEvent(RequestQueued, 0, false)
    end, nil)
    KeSetTimerEx(ArrivalTimer, -10000 * 20, 20, ArrivalDpc)

    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while true do
        local OldIrql = KeAcquireSpinLock(QueueLock)
        local Request = table.remove(Queue, 1)
        KeReleaseSpinLock(QueueLock, OldIrql)
        if Request ~= nil then
          Completed = Completed + 1
          ExFreePoolWithTag(Request, "Qreq")
        elseif KeWaitForMultipleObjects(2, { Stop, RequestQueued }, WaitAny, Executive, KernelMode,
                                        false, nil, nil) == STATUS_WAIT_0 then
          break                                     -- Stop: leave what is queued to unload
        end
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      KeCancelTimer(ArrivalTimer)
      KeFlushQueuedDpcs()
      return status
    end
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Consumer = object

    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(ArrivalTimer)
      KeFlushQueuedDpcs()
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Consumer, Executive, KernelMode, false, nil)
      ObDereferenceObject(Consumer)
      for i = 1, #Queue do
        ExFreePoolWithTag(Queue[i], "Qreq")
      end
      Queue = {}
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "reqq.sys"
  Sleep "200ms"
  UnloadDriver "reqq.sys"
  assert(Completed >= 9, "the consumer completed the requests")
end)
