-- pushlock_recursive_deadlock: routedrv.sys's update path calls a helper
-- that takes the table's push lock exclusive again while the caller holds
-- it. Push locks are not recursive: the second acquire waits for the owner,
-- which is the thread itself. No bug check, as on Windows: the thread waits
-- for ever; nothing else can run, and drvsim ends the run with its deadlock
-- report (outcome deadlock). The clean twin,
-- pushlock_recursive_deadlock_clean, has the helper expect the lock held.
scenario { expect = "deadlock" }

driver "routedrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = EX_PUSH_LOCK()
    ExInitializePushLock(TableLock)
    Routes = { Version = 0 }

    local function Bump()
      KeEnterCriticalRegion()
      ExAcquirePushLockExclusive(TableLock)        -- BUG: the caller holds it
      Routes.Version = Routes.Version + 1
      ExReleasePushLockExclusive(TableLock)
      KeLeaveCriticalRegion()
    end

    KeEnterCriticalRegion()
    ExAcquirePushLockExclusive(TableLock)
    Routes.Default = "10.0.0.1"
    Bump()
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
