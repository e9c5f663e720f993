-- spinlock_acquire_dpc_below_dispatch: a latency histogram is fed by a
-- sampling timer DPC through AddSample, written for the DPC: it takes the
-- lock with KeAcquireSpinLockAtDpcLevel, which assumes the caller is already
-- at DISPATCH_LEVEL. A later change also records a sample from the
-- housekeeping thread, at PASSIVE_LEVEL, through the same helper: the lock
-- is taken without raising the IRQL, so a DPC on the same processor could
-- interrupt the holder and spin on the lock forever. The verifier stops the
-- call (0xC4/0x40, P2 = the IRQL, P4 = 0).
scenario {
  verifier = "/standard /driver latency.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x40, p2 = PASSIVE_LEVEL, p4 = 0, driver = "latency.sys" },
}

local BUCKETS = 8

-- Called at DISPATCH_LEVEL only.
local function AddSample(Microseconds)
  KeAcquireSpinLockAtDpcLevel(HistogramLock)
  local Bucket = math.min(Microseconds // 100, BUCKETS - 1)
  Histogram[Bucket] = Histogram[Bucket] + 1
  KeReleaseSpinLockFromDpcLevel(HistogramLock)
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
      AddSample(math.random(0, 1000))
    end, nil)
    KeSetTimerEx(SampleTimer, -10000 * 100, 100, SampleDpc)   -- every 100 ms
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      -- Every 250 ms, until unload: record the time housekeeping took.
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 250) == STATUS_TIMEOUT do
        AddSample(0)   -- BUG: at PASSIVE_LEVEL
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
end)
