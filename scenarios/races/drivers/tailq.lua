-- tailq.sys: a singly linked request queue with a head and a tail pointer
-- (the classic two-pointer FIFO), filled by a dispatch thread and drained by
-- a 1 ms timer DPC. Both hold the queue's spin lock to link and unlink, but
-- as first written the producer moves the tail pointer after releasing the
-- lock ("only the producer ever advances the tail"), while the consumer
-- resets it to NULL, under the lock, when it empties the queue. The
-- scenario sets TAILQ_LOCK_TAIL before loading it, as a #define would:
-- true moves the tail inside the lock (the fix).
--
-- When the DPC empties the queue between the producer's release and its
-- store, the tail is left pointing at a request the DPC has freed, and the
-- next enqueue links through it: a write to freed pool (with special pool,
-- 0xD5). The race detector sees the unordered pair (the producer's store,
-- the consumer's access under the lock) on every run, whatever the timing.
local LockTail = TAILQ_LOCK_TAIL
local REQUESTS = 200
local HEAD, TAIL, LOCK = 0, 8, 16 -- the queue's fields in its extension
local NEXT, SEQUENCE = 0, 8       -- a request's

return {
  DriverEntry = function(DriverObject, RegistryPath)
    Queue = ExAllocatePoolWithTag(NonPagedPoolNx, 24, "TQex")
    if Queue == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Queue, 24)
    KeInitializeSpinLock(Queue + LOCK)
    DrainTimer, DrainDpc = KTIMER(), KDPC()
    Completed = 0

    -- The consumer: take every request, oldest first.
    KeInitializeDpc(DrainDpc, function(Dpc, Context, Arg1, Arg2)
      KeAcquireSpinLockAtDpcLevel(Queue + LOCK)
      local request = Queue:ptr(HEAD)
      while request ~= nil do
        local next = request:ptr(NEXT)
        Queue:set_ptr(HEAD, next)
        if next == nil then
          Queue:set_ptr(TAIL, nil) -- the queue is empty: no tail
        end
        ExFreePoolWithTag(request, "TQrq")
        Completed = Completed + 1
        request = next
      end
      KeReleaseSpinLockFromDpcLevel(Queue + LOCK)
    end, nil)
    KeInitializeTimer(DrainTimer)
    KeSetTimerEx(DrainTimer, -10000, 1, DrainDpc) -- every millisecond

    -- The producer: append requests as they come.
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      for sequence = 1, REQUESTS do
        local request = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "TQrq")
        request:set_ptr(NEXT, nil)
        request:set_u32(SEQUENCE, sequence)
        local old = KeAcquireSpinLock(Queue + LOCK)
        local tail = Queue:ptr(TAIL)
        if tail ~= nil then
          tail:set_ptr(NEXT, request)
        else
          Queue:set_ptr(HEAD, request)
        end
        if LockTail then
          Queue:set_ptr(TAIL, request)
          KeReleaseSpinLock(Queue + LOCK, old)
        else
          KeReleaseSpinLock(Queue + LOCK, old)
          Queue:set_ptr(TAIL, request) -- BUG: the tail moves outside the lock
        end
        KeDelayExecutionThread(KernelMode, false, -math.random(1000, 20000))
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    local _, thread = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Producer = thread

    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Producer, Executive, KernelMode, false, nil)
      ObDereferenceObject(Producer)
      KeCancelTimer(DrainTimer)
      KeFlushQueuedDpcs()
      local request = Queue:ptr(HEAD)
      while request ~= nil do
        local next = request:ptr(NEXT)
        ExFreePoolWithTag(request, "TQrq")
        request = next
      end
      ExFreePoolWithTag(Queue, "TQex")
    end
    return STATUS_SUCCESS
  end,
}
