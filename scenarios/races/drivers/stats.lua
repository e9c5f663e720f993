-- stats.sys: a network driver's packet statistics. The send path (a system
-- thread standing in for the send routine) and the receive DPC (a timer DPC
-- on processor 1 standing in for the interrupt's DPC) each count their own
-- packets, SentPackets and ReceivedPackets (one writer each), and both count
-- TotalPackets. The scenario sets STATS_INTERLOCKED before loading it, as a
-- #define would: false, `Stats->TotalPackets++` is the C statement's load,
-- add and store, with no lock (the bug); true, InterlockedIncrement (the
-- fix). At unload the checked build's NT_ASSERT compares the total with the
-- two counts.
local Interlocked = STATS_INTERLOCKED
local SEND_PACKETS = 25000         -- 2.5 ms of sending, one DDI call each
local RECEIVE_BATCH = 4            -- packets each DPC run receives

-- typedef struct _STATS { ULONG SentPackets; ULONG ReceivedPackets;
--                         ULONG TotalPackets; } STATS;
local SENT, RECEIVED, TOTAL, STATS_SIZE = 0, 4, 8, 12

-- Stats->Field++: a load, an add, a store.
local function Increment(Stats, Field)
  Stats:set_u32(Field, Stats:u32(Field) + 1)
end

local function CountPacket(Stats)
  if Interlocked then
    InterlockedIncrement(Stats + TOTAL)
  else
    Increment(Stats, TOTAL)                               -- BUG: no lock
  end
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    Stats = ExAllocatePool2(POOL_FLAG_NON_PAGED, STATS_SIZE, "Stat")
    if Stats == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    ReceiveDpc, ReceiveTimer, SendDone = KDPC(), KTIMER(), KEVENT()
    KeInitializeEvent(SendDone, NotificationEvent, false)

    -- The receive side: a batch of packets every millisecond, at
    -- DISPATCH_LEVEL on processor 1.
    KeInitializeDpc(ReceiveDpc, function(Dpc, Context, Arg1, Arg2)
      for _ = 1, RECEIVE_BATCH do
        Increment(Stats, RECEIVED)
        CountPacket(Stats)
      end
    end, nil)
    KeSetTargetProcessorDpc(ReceiveDpc, 1)
    KeInitializeTimer(ReceiveTimer)
    KeSetTimerEx(ReceiveTimer, -1000, 1, ReceiveDpc)      -- from 100 us on, every ms

    -- The send side: stamps and counts each packet it sends.
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      for _ = 1, SEND_PACKETS do
        KeQueryPerformanceCounter()
        Increment(Stats, SENT)
        CountPacket(Stats)
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
      KeCancelTimer(ReceiveTimer)
      KeFlushQueuedDpcs()
      local Total, Sent, Received = Stats:u32(TOTAL), Stats:u32(SENT), Stats:u32(RECEIVED)
      if Total ~= Sent + Received then
        DbgPrint("stats.sys: %u packets counted, %u sent + %u received\n", Total, Sent, Received)
      end
      NT_ASSERT(Total == Sent + Received)
      ExFreePoolWithTag(Stats, "Stat")
    end
    return STATUS_SUCCESS
  end,
}
