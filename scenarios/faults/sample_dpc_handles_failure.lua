-- sample_dpc_handles_failure: the twin of sample_dpc_null. The sensor
-- driver's periodic DPC checks every allocation: when the pool says no, the
-- reading is dropped and counted, as a driver must at DISPATCH_LEVEL (it
-- cannot wait for memory). DriverEntry fails cleanly when its ring cannot be
-- allocated. Clean under low resources simulation, and under
-- `drvsim explore-faults`, which fails each allocation site in turn.
scenario {
  verifier = "/flags 0x8 /faults /driver sensor.sys",
  expect = "clean",
  seed = 1,
}

local SAMPLE_BYTES, RING_SLOTS = 32, 16

driver "sensor.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Timer, Dpc = KTIMER(), KDPC()
    Ring = ExAllocatePoolWithTag(NonPagedPoolNx, SAMPLE_BYTES * RING_SLOTS, "Sens")
    if Ring == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Next, Dropped = 0, 0
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
      local Sample = ExAllocatePoolWithTag(NonPagedPoolNx, SAMPLE_BYTES, "Smpl")
      if Sample == nil then
        Dropped = Dropped + 1                          -- no memory: skip this reading
        return
      end
      Sample[0] = Next & 0xFF
      RtlCopyMemory(Ring + (Next % RING_SLOTS) * SAMPLE_BYTES, Sample, SAMPLE_BYTES)
      ExFreePoolWithTag(Sample, "Smpl")
      Next = Next + 1
    end, nil)
    KeSetTimerEx(Timer, -10000000, 1000, Dpc)       -- every second
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(Ring, "Sens")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  if LoadDriver "sensor.sys" ~= STATUS_SUCCESS then
    return                                          -- the driver refused to start: fine
  end
  Sleep "30min"
  UnloadDriver "sensor.sys"
end)
