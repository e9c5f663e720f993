-- fast_mutex_unsafe_release_bad_irql: the stream context filter again. Its
-- removal path enters a critical region and takes the table's fast mutex
-- with ExAcquireFastMutexUnsafe, as it should. BUG: it leaves the critical
-- region before releasing the mutex, so the release runs at PASSIVE_LEVEL
-- with APCs enabled. Driver Verifier stops the release: 0xC4/0x3A (P2 the
-- IRQL, P3 the APC-disable count, P4 the fast mutex).
scenario {
  verifier = "/standard /driver ctxflt.sys",
  expect = { bugcheck = 0xC4, p1 = 0x3A, p2 = PASSIVE_LEVEL, p3 = 0, driver = "ctxflt.sys" },
}

driver "ctxflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = FAST_MUTEX()
    Contexts = { ["\\Device\\HarddiskVolume2\\a.txt"] = true }
    ExInitializeFastMutex(TableLock)
    DriverObject.DriverUnload = function(DriverObject)
      KeEnterCriticalRegion()
      ExAcquireFastMutexUnsafe(TableLock)
      Contexts["\\Device\\HarddiskVolume2\\a.txt"] = nil
      KeLeaveCriticalRegion()               -- BUG: still holding the mutex
      ExReleaseFastMutexUnsafe(TableLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ctxflt.sys"
  UnloadDriver "ctxflt.sys"
end)
