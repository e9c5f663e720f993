-- fast_mutex_unsafe_release_bad_irql_clean: the removal path of
-- fast_mutex_unsafe_release_bad_irql in the right order: release the mutex,
-- then leave the critical region. A removal at APC_LEVEL (a guarded path
-- that raised itself) needs no critical region at all.
scenario {
  verifier = "/standard /driver ctxflt.sys",
  expect = "clean",
}

driver "ctxflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = FAST_MUTEX()
    Contexts = { a = true, b = true }
    ExInitializeFastMutex(TableLock)
    DriverObject.DriverUnload = function(DriverObject)
      KeEnterCriticalRegion()
      ExAcquireFastMutexUnsafe(TableLock)
      Contexts.a = nil
      ExReleaseFastMutexUnsafe(TableLock)
      KeLeaveCriticalRegion()
      local OldIrql = KeRaiseIrql(APC_LEVEL)
      ExAcquireFastMutexUnsafe(TableLock)
      Contexts.b = nil
      ExReleaseFastMutexUnsafe(TableLock)
      KeLowerIrql(OldIrql)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ctxflt.sys"
  UnloadDriver "ctxflt.sys"
end)
