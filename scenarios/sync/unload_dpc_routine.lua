-- unload_dpc_routine: a sensor driver keeps its polling state (the KTIMER,
-- the KDPC and the samples) in one nonpaged pool block. Its unload routine
-- neither cancels the timer nor frees the block: the timer object is not
-- in the image being unloaded, but its DPC routine is the driver's code.
-- The verifier's unload check finds it (KeCheckForTimer looks at the
-- routine too): TIMER_OR_DPC_INVALID (0xC7), P1 2, P2 the DPC routine,
-- P3..P4 the image's range.
scenario {
  verifier = "/standard /driver sensor.sys",
  expect   = { bugcheck = 0xC7, p1 = 0x2, driver = "sensor.sys" },
}

local SAMPLES = 32

driver "sensor.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- struct { KTIMER Timer; KDPC Dpc; ULONG Count; ULONG Samples[32]; }
    State = ExAllocatePoolWithTag(NonPagedPoolNx, 256 + SAMPLES * 4, "SnsS")
    if State == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    PollTimer, PollDpc = KTIMER(State), KDPC(State + 64)
    KeInitializeTimer(PollTimer)
    KeInitializeDpc(PollDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      local Count = State:u32(128)
      State:set_u32(132 + Count % SAMPLES * 4, math.random(0, 4095))
      State:set_u32(128, Count + 1)
    end, nil)
    KeSetTimerEx(PollTimer, -10000 * 100, 100, PollDpc)     -- every 100 ms
    DriverObject.DriverUnload = function(DriverObject)
      -- BUG: no KeCancelTimer(PollTimer), KeFlushQueuedDpcs() and
      -- ExFreePoolWithTag(State) here.
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensor.sys"
  Sleep "1s"
  UnloadDriver "sensor.sys"
end)
