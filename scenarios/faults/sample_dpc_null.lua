-- sample_dpc_null: a sensor driver's periodic timer DPC takes a sample
-- buffer from nonpaged pool every second and never checks the result. On a
-- test machine the pool never runs dry, so the bug hides; with low resources
-- simulation (/faults: 6% of allocations fail from 7 minutes after boot) the
-- first failed allocation makes the DPC write through NULL at DISPATCH_LEVEL:
-- 0xD1 DRIVER_IRQL_NOT_LESS_OR_EQUAL, P2 = DISPATCH_LEVEL. The run is clean
-- for the first 7 simulated minutes (the harness checks it); seed 1 crashes
-- 7 min 8 s in (replay: drvsim run scenarios/faults/sample_dpc_null.lua --seed 1).
scenario {
  verifier = "/flags 0x8 /faults /driver sensor.sys",
  expect = { bugcheck = 0xD1, p2 = DISPATCH_LEVEL, driver = "sensor.sys" },
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
    Next = 0
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
      local Sample = ExAllocatePoolWithTag(NonPagedPoolNx, SAMPLE_BYTES, "Smpl")
      -- BUG: no NULL check. Should be: if Sample == nil then return end
      Sample[0] = Next & 0xFF                          -- the reading's sequence byte
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
  assert(LoadDriver "sensor.sys" == STATUS_SUCCESS)
  Sleep "6min"
  -- Nothing is failed while the system boots.
  assert(Query().AllocationsFailedDeliberately == 0)
  Sleep "30min"
  UnloadDriver "sensor.sys"
end)
