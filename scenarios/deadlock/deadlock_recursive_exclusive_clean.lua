-- deadlock_recursive_exclusive_clean: the volume driver of
-- deadlock_recursive_exclusive with the fix: it releases its shared hold
-- before it asks exclusive access, then checks again whether the entry is
-- still stale (another thread may have refreshed it in between).
scenario {
  verifier = "/flags 0x20 /driver volmnt.sys",
  expect = "clean",
}

driver "volmnt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = ERESOURCE()
    ExInitializeResourceLite(TableLock)
    Stale = true

    KeEnterCriticalRegion()
    ExAcquireResourceSharedLite(TableLock, true)
    local Refresh = Stale
    ExReleaseResourceLite(TableLock)
    if Refresh then
      ExAcquireResourceExclusiveLite(TableLock, true)
      if Stale then
        Stale = false
      end
      ExReleaseResourceLite(TableLock)
    end
    KeLeaveCriticalRegion()

    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteResourceLite(TableLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "volmnt.sys"
  UnloadDriver "volmnt.sys"
end)
