-- deadlock_freed_lock_owned: a filter driver keeps a spin lock in each
-- per-request context it allocates from nonpaged pool. Its abort path frees
-- the context while still holding the context's lock, and releases it after
-- (a use after free). With deadlock detection on, Driver Verifier stops at
-- the free (0xC4, P1 = 0x100B, P2 the lock, P3 its owner thread).
scenario {
  verifier = "/flags 0x20 /driver fltctx.sys",
  expect = { bugcheck = 0xC4, p1 = 0x100B, driver = "fltctx.sys" },
}

driver "fltctx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Context = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "FCtx")
    local Lock = Context + 0x10            -- KSPIN_LOCK Lock at offset 0x10
    KeInitializeSpinLock(Lock)

    local OldIrql = KeAcquireSpinLock(Lock)
    ExFreePoolWithTag(Context, "FCtx")      -- BUG: its lock is still held
    KeReleaseSpinLock(Lock, OldIrql)

    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fltctx.sys"
  UnloadDriver "fltctx.sys"
end)
