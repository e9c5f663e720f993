-- sampler.sys: a timer DPC on processor 1 counts samples into the device's
-- current buffer; a system thread on processor 0 swaps in a fresh buffer
-- from time to time and frees the old one. Both hold the device's spin lock
-- to swap and to count. The scenario sets SAMPLER_FIXED before loading it,
-- as a #define would:
--   false: the DPC reads the buffer pointer before it takes the lock (the
--          bug): a swap that lands between the read and the acquire leaves
--          it counting into the buffer the thread has just freed;
--   true:  the DPC reads the pointer under the lock (the fix).
-- The window is the span of one KeAcquireSpinLockAtDpcLevel call: without
-- delay fuzzing a swap falls in it only when the DPC finds the lock held
-- at the very moment the thread holds it, about one seed in a hundred; with
-- /flags 0x800000 the acquire is often held back for microseconds, and
-- swaps land in the widened window on most seeds.
local Fixed = SAMPLER_FIXED
local SWAPS = 150
local BUFFER_SIZE = 64             -- ULONG Samples; ...

return {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock, SampleDpc, SampleTimer, Done = KSPIN_LOCK(), KDPC(), KTIMER(), KEVENT()
    KeInitializeSpinLock(Lock)
    KeInitializeEvent(Done, NotificationEvent, false)
    Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, BUFFER_SIZE, "Smpl")
    if Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Buffer:set_u32(0, 0)

    -- The DPC: one sample into the current buffer (at DISPATCH_LEVEL).
    KeInitializeDpc(SampleDpc, function(Dpc, Context, Arg1, Arg2)
      local buffer = Buffer                          -- BUG: read outside the lock
      KeAcquireSpinLockAtDpcLevel(Lock)
      if Fixed then
        buffer = Buffer                              -- the fix: read under the lock
      end
      buffer:set_u32(0, buffer:u32(0) + 1)
      KeReleaseSpinLockFromDpcLevel(Lock)
    end, nil)
    KeSetTargetProcessorDpc(SampleDpc, 1)
    KeInitializeTimer(SampleTimer)
    KeSetTimerEx(SampleTimer, -10000, 1, SampleDpc)  -- every millisecond

    -- The thread: a fresh buffer now and then, the old one freed.
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      KeSetSystemAffinityThreadEx(1)                 -- processor 0
      for swap = 1, SWAPS do
        local fresh = ExAllocatePoolWithTag(NonPagedPoolNx, BUFFER_SIZE, "Smpl")
        if fresh ~= nil then
          fresh:set_u32(0, 0)
          local old = KeAcquireSpinLock(Lock)
          local stale = Buffer
          Buffer = fresh
          KeReleaseSpinLock(Lock, old)
          ExFreePoolWithTag(stale, "Smpl")
        end
        -- The next swap 0.1 to 2 ms later (drawn from the seed).
        KeDelayExecutionThread(KernelMode, false, -math.random(1000, 20000))
      end
      KeSetEvent(Done, 0, false)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      KeCancelTimer(SampleTimer)
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(Buffer, "Smpl")
      return status
    end
    ZwClose(handle)

    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
      KeCancelTimer(SampleTimer)
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(Buffer, "Smpl")
    end
    return STATUS_SUCCESS
  end,
}
