-- shared_then_exclusive_deadlock: a driver reads its configuration under the
-- shared lock and, finding a stale value, "upgrades" to the exclusive lock
-- without releasing the shared one first. An ERESOURCE has no upgrade: a
-- writer waits until every reader has gone, and the reader it waits for is
-- itself. No bug check: the thread waits for ever, as on Windows (a hang);
-- nothing else can run, and drvsim ends the run with outcome "deadlock" and
-- the wait-for graph: the thread, the resource, and its shared owner, the
-- thread itself.
scenario { expect = "deadlock" }

driver "upgrade.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ConfigLock = ERESOURCE()
    Config = { Generation = 0 }
    ExInitializeResourceLite(ConfigLock)

    KeEnterCriticalRegion()
    ExAcquireResourceSharedLite(ConfigLock, true)
    if Config.Generation == 0 then
      ExAcquireResourceExclusiveLite(ConfigLock, true)   -- waits for itself
      Config.Generation = 1
      ExReleaseResourceLite(ConfigLock)
    end
    ExReleaseResourceLite(ConfigLock)
    KeLeaveCriticalRegion()
    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteResourceLite(ConfigLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "upgrade.sys"
end)
