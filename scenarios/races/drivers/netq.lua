-- netq.sys: a request queue filled by a dispatch thread and drained by a
-- timer DPC that runs on processor 1. The scenario sets NETQ_USE_LOCK before
-- loading it, as a #define would: true, both sides hold the queue's spin
-- lock around their list operations (the fix); false, neither does (the bug).
--
-- Until the I/O model lands, a system thread stands in for the dispatch
-- routine: it queues a request, then waits a little, as requests arrive.
local Locked = NETQ_USE_LOCK
local REQUEST_SIZE = 64            -- LIST_ENTRY Links; ULONG Sequence; ...
local REQUESTS = 400

return {
  DriverEntry = function(DriverObject, RegistryPath)
    Pending, QueueLock = LIST_ENTRY(), KSPIN_LOCK()
    DrainDpc, DrainTimer, Done = KDPC(), KTIMER(), KEVENT()
    InitializeListHead(Pending)
    KeInitializeSpinLock(QueueLock)
    KeInitializeEvent(Done, NotificationEvent, false)
    Queued, Completed = 0, 0

    -- The DPC: complete every pending request (at DISPATCH_LEVEL).
    KeInitializeDpc(DrainDpc, function(Dpc, Context, Arg1, Arg2)
      if Locked then KeAcquireSpinLockAtDpcLevel(QueueLock) end
      while not IsListEmpty(Pending) do
        local request = RemoveHeadList(Pending)
        Completed = Completed + 1
        ExFreePoolWithTag(request, "NetQ")
      end
      if Locked then KeReleaseSpinLockFromDpcLevel(QueueLock) end
    end, nil)
    KeSetTargetProcessorDpc(DrainDpc, 1)
    KeInitializeTimer(DrainTimer)
    KeSetTimerEx(DrainTimer, -10000, 1, DrainDpc)          -- every millisecond

    -- The dispatch side: queue requests as they come.
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      for sequence = 1, REQUESTS do
        local request = ExAllocatePoolWithTag(NonPagedPoolNx, REQUEST_SIZE, "NetQ")
        request:set_u32(16, sequence)
        -- Every eighth request is urgent: it goes to the front.
        local Insert = sequence % 8 == 0 and InsertHeadList or InsertTailList
        if Locked then
          local old = KeAcquireSpinLock(QueueLock)
          Insert(Pending, request)
          KeReleaseSpinLock(QueueLock, old)
        else
          Insert(Pending, request)                            -- BUG: no lock
        end
        Queued = Queued + 1
        -- The next request arrives 0.1 to 2 ms later (drawn from the seed).
        KeDelayExecutionThread(KernelMode, false, -math.random(1000, 20000))
      end
      KeSetEvent(Done, 0, false)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    ZwClose(handle)

    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
      KeCancelTimer(DrainTimer)
      KeFlushQueuedDpcs()
      while not IsListEmpty(Pending) do
        ExFreePoolWithTag(RemoveHeadList(Pending), "NetQ")
      end
    end
    return STATUS_SUCCESS
  end,
}
