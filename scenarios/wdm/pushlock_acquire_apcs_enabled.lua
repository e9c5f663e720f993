-- pushlock_acquire_apcs_enabled: routedrv.sys updates its routing table under its push
-- lock at PASSIVE_LEVEL without entering a critical region first: normal
-- kernel APCs are on (0xC4/0xEA, P2 the IRQL, P3 the APC disable count 0,
-- P4 the lock).
scenario {
  verifier = "/standard /driver routedrv.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xEA, p2 = PASSIVE_LEVEL, p3 = 0, driver = "routedrv.sys" },
}

driver "routedrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = EX_PUSH_LOCK()
    ExInitializePushLock(TableLock)
    Routes = { Version = 0 }
    -- BUG: no KeEnterCriticalRegion: a suspended thread would keep the lock.
    ExAcquirePushLockExclusive(TableLock)
    Routes.Version = Routes.Version + 1
    ExReleasePushLockExclusive(TableLock)
    assert(Routes.Version == 1)
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "routedrv.sys"
  UnloadDriver "routedrv.sys"
end)
