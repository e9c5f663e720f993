-- pushlock_release_apcs_enabled: routedrv.sys leaves its critical region before it
-- releases its push lock: the release runs with normal kernel APCs on
-- (0xC4/0xEB, P2 the IRQL, P3 the APC disable count 0, P4 the lock).
scenario {
  verifier = "/standard /driver routedrv.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xEB, p2 = PASSIVE_LEVEL, p3 = 0, driver = "routedrv.sys" },
}

driver "routedrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = EX_PUSH_LOCK()
    ExInitializePushLock(TableLock)
    Routes = { Version = 0 }
    KeEnterCriticalRegion()
    ExAcquirePushLockExclusive(TableLock)
    Routes.Version = Routes.Version + 1
    -- BUG: the critical region ends before the lock is released.
    KeLeaveCriticalRegion()
    ExReleasePushLockExclusive(TableLock)
    assert(Routes.Version == 1)
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "routedrv.sys"
  UnloadDriver "routedrv.sys"
end)
