-- pageable_code_at_dispatch_unverified: the driver of
-- pageable_code_at_dispatch.lua, not verified. Its pageable routine runs at
-- DISPATCH_LEVEL under a spin lock 10 times; it faults only if the working
-- set was trimmed at one of those raises (the paging model: 1 in 50 per
-- raise, from the run's "paging" stream), so some seeds crash and others do
-- not, as on real machines. A sweep finds them:
--   drvsim sweep scenarios/force_irql/pageable_code_at_dispatch_unverified.lua --seeds 1..20
-- This file pins seed 10, which crashes (so does 13): 0xD1, P3 8 (execute).
scenario {
  seed   = 10,
  expect = { bugcheck = 0xD1, p2 = DISPATCH_LEVEL, p3 = 8, driver = "stats.sys" },
}

local Lock, Count

local UpdateStats = PAGE(function()
  local OldIrql = KeAcquireSpinLock(Lock)
  Count = Count + 1
  KeReleaseSpinLock(Lock, OldIrql)
end)

driver "stats.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    Count = 0
    for i = 1, 10 do
      UpdateStats()
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "stats.sys"
  UnloadDriver "stats.sys"
end)
