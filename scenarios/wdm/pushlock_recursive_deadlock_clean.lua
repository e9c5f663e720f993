-- pushlock_recursive_deadlock_clean: the clean twin of
-- pushlock_recursive_deadlock. The helper is documented as called with the
-- table's push lock held exclusive, and does not take it again.
scenario {}

driver "routedrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = EX_PUSH_LOCK()
    ExInitializePushLock(TableLock)
    Routes = { Version = 0 }

    -- Called with TableLock held exclusive.
    local function BumpLocked()
      Routes.Version = Routes.Version + 1
    end

    KeEnterCriticalRegion()
    ExAcquirePushLockExclusive(TableLock)
    Routes.Default = "10.0.0.1"
    BumpLocked()
    ExReleasePushLockExclusive(TableLock)
    KeLeaveCriticalRegion()
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "routedrv.sys"
  UnloadDriver "routedrv.sys"
end)
