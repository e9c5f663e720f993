-- pageable_code_at_dispatch: a driver's statistics routine is pageable code
-- (#pragma alloc_text(PAGE, UpdateStats), written PAGE(...) here) and takes
-- a spin lock. Under the lock the processor is at DISPATCH_LEVEL, and the
-- routine's next instruction is on its PAGE section's page. With force IRQL
-- checking (0x2) the verifier trims pageable memory at the acquire, so the
-- next fetch faults on every seed: 0xD1, P2 DISPATCH_LEVEL, P3 8 (execute),
-- P1 = P4 the instruction's address in the PAGE section.
-- `drvsim sweep scenarios/force_irql/pageable_code_at_dispatch.lua --seeds 1..50`
-- shows one outcome for all 50 seeds.
scenario {
  verifier = "/flags 0x2 /driver stats.sys",
  expect   = { bugcheck = 0xD1, p2 = DISPATCH_LEVEL, p3 = 8, driver = "stats.sys" },
}

local Lock, Count

-- BUG: pageable code that raises the IRQL (a spin lock) and keeps running.
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
    for i = 1, 100 do
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
