-- wait_at_dispatch_forever: a driver's request queue is guarded by a spin
-- lock; the consumer thread takes the lock, finds the queue empty and waits
-- for the "request queued" event without releasing the lock first. A wait at
-- DISPATCH_LEVEL is only legal as a zero-timeout poll; this one has no
-- timeout at all: 0xC4/0x121 (P2 the IRQL, DISPATCH_LEVEL, where Windows
-- gives the address of its IRQL value; P4 0, the NULL timeout). Had the
-- verifier not stopped it, the producer (a DPC spinning on the same lock)
-- would never get in: a deadlock.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  verifier = "/standard /driver reqq.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x121, p2 = DISPATCH_LEVEL, p4 = 0, driver = "reqq.sys" },
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
      while KeReadStateEvent(Stop) == 0 do
        local OldIrql = KeAcquireSpinLock(QueueLock)
        while #Queue == 0 do
          -- BUG: waits with the queue lock held, at DISPATCH_LEVEL, forever.
          KeWaitForSingleObject(RequestQueued, Executive, KernelMode, false, nil)
        end
        local Request = table.remove(Queue, 1)
        KeReleaseSpinLock(QueueLock, OldIrql)
        Completed = Completed + 1
        ExFreePoolWithTag(Request, "Qreq")
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
      KeSetEvent(RequestQueued, 0, false)
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
end)
