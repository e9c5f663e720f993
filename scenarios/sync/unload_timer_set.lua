-- unload_timer_set: a sensor driver polls its device every 100 ms from a
-- periodic timer DPC. Its unload routine frees the sample buffer but never
-- cancels the timer: the KTIMER, a global in the image, stays in the
-- kernel's timer table after the image is gone. The verifier checks the
-- driver's timers at unload and stops at once (0xC7/0x0, P2 the timer,
-- P3..P4 the image's range), before the timer can fire into freed code.
scenario {
  verifier = "/standard /driver sensor.sys",
  expect   = { bugcheck = 0xC7, p1 = 0x0, driver = "sensor.sys" },
}

local SAMPLES = 32

driver "sensor.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    SampleLock, PollTimer, PollDpc = KSPIN_LOCK(), KTIMER(), KDPC()
    Samples = ExAllocatePoolWithTag(NonPagedPoolNx, SAMPLES * 4, "SnsB")
    if Samples == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    SampleCount = 0
    KeInitializeSpinLock(SampleLock)
    KeInitializeTimer(PollTimer)
    KeInitializeDpc(PollDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeAcquireSpinLockAtDpcLevel(SampleLock)
      Samples:set_u32(SampleCount % SAMPLES * 4, math.random(0, 4095))
      SampleCount = SampleCount + 1
      KeReleaseSpinLockFromDpcLevel(SampleLock)
    end, nil)
    KeSetTimerEx(PollTimer, -10000 * 100, 100, PollDpc)     -- every 100 ms
    DriverObject.DriverUnload = function(DriverObject)
      -- BUG: no KeCancelTimer(PollTimer) and KeFlushQueuedDpcs() here.
      ExFreePoolWithTag(Samples, "SnsB")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensor.sys"
  Sleep "1s"
  UnloadDriver "sensor.sys"
  Sleep "1s"
end)
