-- spinlock_acquire_dpc_below_dispatch, clean twin: the housekeeping thread
-- takes the lock with KeAcquireSpinLock, which raises to DISPATCH_LEVEL, and
-- shares only the part that assumes the lock is held. The driver cancels
-- its timer, flushes the DPC and stops the thread before it unloads.
scenario {
  verifier = "/standard /driver latency.sys",
  expect   = "clean",
}

local BUCKETS = 8

-- Called with HistogramLock held.
local function AddSampleLocked(Microseconds)
  local Bucket = math.min(Microseconds // 100, BUCKETS - 1)
  Histogram[Bucket] = Histogram[Bucket] + 1
end

driver "latency.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    HistogramLock, SampleTimer, SampleDpc, Stop = KSPIN_LOCK(), KTIMER(), KDPC(), KEVENT()
    Histogram = {}
    for Bucket = 0, BUCKETS - 1 do
      Histogram[Bucket] = 0
    end
    KeInitializeSpinLock(HistogramLock)
    KeInitializeEvent(Stop, NotificationEvent, false)
    KeInitializeTimer(SampleTimer)
    KeInitializeDpc(SampleDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeAcquireSpinLockAtDpcLevel(HistogramLock)
      AddSampleLocked(math.random(0, 1000))
      KeReleaseSpinLockFromDpcLevel(HistogramLock)
    end, nil)
    KeSetTimerEx(SampleTimer, -10000 * 100, 100, SampleDpc)   -- every 100 ms
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 250) == STATUS_TIMEOUT do
        local OldIrql = KeAcquireSpinLock(HistogramLock)
        AddSampleLocked(0)
        KeReleaseSpinLock(HistogramLock, OldIrql)
      end
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Housekeeper = object
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(SampleTimer)
      KeFlushQueuedDpcs()
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Housekeeper, Executive, KernelMode, false, nil)
      ObDereferenceObject(Housekeeper)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "latency.sys"
  Sleep "1s"
  UnloadDriver "latency.sys"
  local Total = 0
  for Bucket = 0, BUCKETS - 1 do
    Total = Total + Histogram[Bucket]
  end
  assert(Total >= 12, "about ten samples from the DPC and three from the thread: " .. Total)
end)
