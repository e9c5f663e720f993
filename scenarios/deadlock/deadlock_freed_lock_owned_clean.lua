-- deadlock_freed_lock_owned_clean: the filter driver of
-- deadlock_freed_lock_owned with the fix: the context's lock is released
-- before the context is freed.
scenario {
  verifier = "/flags 0x20 /driver fltctx.sys",
  expect = "clean",
}

driver "fltctx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Context = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "FCtx")
    local Lock = Context + 0x10            -- KSPIN_LOCK Lock at offset 0x10
    KeInitializeSpinLock(Lock)

    local OldIrql = KeAcquireSpinLock(Lock)
    KeReleaseSpinLock(Lock, OldIrql)
    ExFreePoolWithTag(Context, "FCtx")

    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fltctx.sys"
  UnloadDriver "fltctx.sys"
end)
