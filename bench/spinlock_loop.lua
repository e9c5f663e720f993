-- Benchmark: spin lock DDIs from Lua through a verified driver's thunks,
-- 200,000 times an outer KeAcquireSpinLock with a nested
-- KeAcquireSpinLockAtDpcLevel and their releases (800,000 calls). bench/
-- run.sh runs it as written and with deadlock detection on
-- (--verifier "/flags 0x20 /driver spin.sys"): every acquisition then
-- feeds the lock graph, a lookup of the held chain after the first pass.
scenario { verifier = "/flags 0x0 /driver spin.sys", expect = "clean", limit = "1h" }

driver "spin.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Outer, Inner = KSPIN_LOCK(), KSPIN_LOCK()
    KeInitializeSpinLock(Outer)
    KeInitializeSpinLock(Inner)
    for i = 1, 200000 do
      local old = KeAcquireSpinLock(Outer)
      KeAcquireSpinLockAtDpcLevel(Inner)
      KeReleaseSpinLockFromDpcLevel(Inner)
      KeReleaseSpinLock(Outer, old)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "spin.sys"
end)
