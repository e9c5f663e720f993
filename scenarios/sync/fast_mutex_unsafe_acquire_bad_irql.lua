-- fast_mutex_unsafe_acquire_bad_irql: a file system filter guards its stream
-- context table with a fast mutex taken with ExAcquireFastMutexUnsafe, which
-- does not raise the IRQL: the caller must hold off APCs itself, at APC_LEVEL
-- or inside KeEnterCriticalRegion. BUG: the lookup path forgets the critical
-- region and acquires at PASSIVE_LEVEL with APCs enabled, where an APC could
-- suspend the thread while it holds the mutex. Driver Verifier stops it:
-- 0xC4/0x39 (P2 the IRQL, P3 the APC-disable count, P4 the fast mutex).
scenario {
  verifier = "/standard /driver ctxflt.sys",
  expect = { bugcheck = 0xC4, p1 = 0x39, p2 = PASSIVE_LEVEL, p3 = 0, driver = "ctxflt.sys" },
}

driver "ctxflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = FAST_MUTEX()
    Contexts = {}
    ExInitializeFastMutex(TableLock)

    local function InsertContext(Key)
      KeEnterCriticalRegion()
      ExAcquireFastMutexUnsafe(TableLock)
      Contexts[Key] = true
      ExReleaseFastMutexUnsafe(TableLock)
      KeLeaveCriticalRegion()
    end

    local function LookupContext(Key)
      ExAcquireFastMutexUnsafe(TableLock)   -- BUG: no KeEnterCriticalRegion
      local Found = Contexts[Key]
      ExReleaseFastMutexUnsafe(TableLock)
      return Found
    end

    InsertContext("\\Device\\HarddiskVolume2\\a.txt")
    LookupContext("\\Device\\HarddiskVolume2\\a.txt")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ctxflt.sys"
  UnloadDriver "ctxflt.sys"
end)
