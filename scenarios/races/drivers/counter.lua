-- counter.sys: statistics counted from two contexts. A system thread stands
-- for the request path (50 requests, 0.1 to 3 ms apart, drawn from the seed)
-- and a 2 ms timer DPC for the poll; both add one to the ULONG at offset 0
-- of a block in nonpaged pool. The scenario sets COUNTER_INTERLOCKED before
-- loading it, as a #define would: true, both use InterlockedIncrement (the
-- fix); false, both do a plain read-modify-write (the bug: a lost update).
-- At unload, with the timer cancelled, the DPCs flushed and the thread
-- ended, the count must be the thread's 50 plus the DPC's runs.
local Interlocked = COUNTER_INTERLOCKED
local REQUESTS = 50

local function count(Stats)
  if Interlocked then
    InterlockedIncrement(Stats)
  else
    Stats:set_u32(0, Stats:u32(0) + 1) -- BUG: load, add, store, no lock
  end
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    Stats = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Cntr")
    if Stats == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Stats, 16)
    PollTimer, PollDpc = KTIMER(), KDPC()
    Polls = 0 -- the DPC's runs, kept by the DPC alone

    KeInitializeDpc(PollDpc, function(Dpc, Context, Arg1, Arg2)
      Polls = Polls + 1
      count(Stats)
    end, nil)
    KeInitializeTimer(PollTimer)
    KeSetTimerEx(PollTimer, -20000, 2, PollDpc) -- every 2 ms

    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      for request = 1, REQUESTS do
        count(Stats)
        KeDelayExecutionThread(KernelMode, false, -math.random(1000, 30000))
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    local _, thread = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Worker = thread

    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)
      KeCancelTimer(PollTimer)
      KeFlushQueuedDpcs()
      local total = Stats:u32(0)
      ExFreePoolWithTag(Stats, "Cntr")
      if total ~= REQUESTS + Polls then
        -- An update was lost: the driver's own assertion.
        KeBugCheckEx(0xE2, total, REQUESTS + Polls, 0, 0)
      end
    end
    return STATUS_SUCCESS
  end,
}
