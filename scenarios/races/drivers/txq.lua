-- txq.sys: a transmit queue, singly linked with a tail pointer, as network
-- samples keep their send queues. The send path (a system thread standing
-- in for the send routine) builds each packet and appends it under the
-- queue's spin lock; the transmit DPC (a timer DPC on processor 1 standing
-- in for the interrupt's DPC) hands the queued packets to the hardware and
-- frees them. The DPC is the only consumer, so it was written lock-free:
-- it unlinks the head and, when the queue runs empty, clears the tail
-- pointer, without the lock the send path holds. The scenario sets
-- TXQ_DPC_LOCKED before loading it, as a #define would: false, that
-- lock-free update (the bug); true, the DPC holds the lock around each
-- unlink (the fix).
--
-- The race: the DPC finds the last packet's Next empty; before it clears
-- Head and Tail, the send path links a new packet after that last one and
-- makes it the tail; the DPC then clears both and frees the old last
-- packet. The new packet is lost (a leak at unload), or the send path's
-- next append writes through a Tail that points at freed memory.
local DpcLocked = TXQ_DPC_LOCKED
local SEND_PACKETS = 2000
local BUILD_CALLS = 8               -- DDI calls spent building each packet

-- typedef struct _TX_PACKET { struct _TX_PACKET *Next; ULONG Sequence; } TX_PACKET;
-- typedef struct _TX_QUEUE { PTX_PACKET Head; PTX_PACKET Tail; } TX_QUEUE;
local NEXT, SEQUENCE, PACKET_SIZE = 0, 8, 16
local HEAD, TAIL = 0, 8

return {
  DriverEntry = function(DriverObject, RegistryPath)
    Queue = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, "TxQ ")
    if Queue == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    QueueLock, TxDpc, TxTimer, SendDone = KSPIN_LOCK(), KDPC(), KTIMER(), KEVENT()
    KeInitializeSpinLock(QueueLock)
    KeInitializeEvent(SendDone, NotificationEvent, false)

    -- The transmit DPC: every queued packet goes to the hardware, then back
    -- to the pool.
    KeInitializeDpc(TxDpc, function(Dpc, Context, Arg1, Arg2)
      while true do
        if DpcLocked then KeAcquireSpinLockAtDpcLevel(QueueLock) end
        local Packet = Queue:ptr(HEAD)
        if Packet ~= nil then
          local Next = Packet:ptr(NEXT)
          Queue:set_ptr(HEAD, Next)
          if Next == nil then
            Queue:set_ptr(TAIL, nil)                        -- BUG: without the lock
          end
        end
        if DpcLocked then KeReleaseSpinLockFromDpcLevel(QueueLock) end
        if Packet == nil then
          break
        end
        ExFreePoolWithTag(Packet, "TxP ")
      end
    end, nil)
    KeSetTargetProcessorDpc(TxDpc, 1)
    KeInitializeTimer(TxTimer)
    KeSetTimerEx(TxTimer, -1000, 1, TxDpc)                  -- from 100 us on, every ms

    -- The send path: builds a packet, appends it at the tail under the lock.
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      for Sequence = 1, SEND_PACKETS do
        local Packet = ExAllocatePoolWithTag(NonPagedPoolNx, PACKET_SIZE, "TxP ")
        for _ = 1, BUILD_CALLS do
          KeQueryPerformanceCounter()
        end
        Packet:set_ptr(NEXT, nil)
        Packet:set_u32(SEQUENCE, Sequence)
        local old = KeAcquireSpinLock(QueueLock)
        local Tail = Queue:ptr(TAIL)
        if Tail ~= nil then
          Tail:set_ptr(NEXT, Packet)
        else
          Queue:set_ptr(HEAD, Packet)
        end
        Queue:set_ptr(TAIL, Packet)
        KeReleaseSpinLock(QueueLock, old)
      end
      KeSetEvent(SendDone, 0, false)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    ZwClose(handle)

    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(SendDone, Executive, KernelMode, false, nil)
      KeCancelTimer(TxTimer)
      KeFlushQueuedDpcs()
      KeInsertQueueDpc(TxDpc, nil, nil)                     -- the last packets
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(Queue, "TxQ ")
    end
    return STATUS_SUCCESS
  end,
}
