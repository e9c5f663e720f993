-- unload_dpc_routine (clean twin): the unload routine cancels the timer,
-- waits for a DPC that may be running (KeFlushQueuedDpcs) and frees the
-- block that holds them.
scenario {
  verifier = "/standard /driver sensor.sys",
  expect   = "clean",
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
      KeCancelTimer(PollTimer)                                  -- right
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(State, "SnsS")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensor.sys"
  Sleep "1s"
  UnloadDriver "sensor.sys"
end)
