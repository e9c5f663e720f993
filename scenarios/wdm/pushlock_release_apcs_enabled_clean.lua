-- pushlock_release_apcs_enabled (clean twin): the critical region ends after the release.
scenario {
  verifier = "/standard /driver routedrv.sys",
  expect   = "clean",
}

driver "routedrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = EX_PUSH_LOCK()
    ExInitializePushLock(TableLock)
    Routes = { Version = 0 }
    KeEnterCriticalRegion()                                     -- right
    ExAcquirePushLockExclusive(TableLock)
    Routes.Version = Routes.Version + 1
    ExReleasePushLockExclusive(TableLock)
    KeLeaveCriticalRegion()
    assert(Routes.Version == 1)
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "routedrv.sys"
  UnloadDriver "routedrv.sys"
end)
