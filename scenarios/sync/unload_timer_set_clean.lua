-- unload_timer_set, clean twin: the unload routine cancels the timer, waits
-- for a DPC it may already have queued, and only then frees the buffer the
-- DPC writes to.
scenario {
  verifier = "/standard /driver sensor.sys",
  expect   = "clean",
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
      KeCancelTimer(PollTimer)
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(Samples, "SnsB")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensor.sys"
  Sleep "1s"
  UnloadDriver "sensor.sys"
  assert(SampleCount >= 9, "a sample every 100 ms: " .. SampleCount)
  Sleep "1s"
end)
