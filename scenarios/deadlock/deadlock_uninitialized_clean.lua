-- deadlock_uninitialized_clean: the cache driver of deadlock_uninitialized
-- with the fix: ExInitializeResourceLite before the first acquisition, and
-- ExDeleteResourceLite at unload.
scenario {
  verifier = "/flags 0x20 /driver cachex.sys",
  expect = "clean",
}

driver "cachex.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    CacheLock = ERESOURCE()
    ExInitializeResourceLite(CacheLock)
    Entries = 0

    KeEnterCriticalRegion()
    ExAcquireResourceExclusiveLite(CacheLock, true)
    Entries = Entries + 1
    ExReleaseResourceLite(CacheLock)
    KeLeaveCriticalRegion()

    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteResourceLite(CacheLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cachex.sys"
  UnloadDriver "cachex.sys"
end)
