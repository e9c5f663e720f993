-- shared_then_exclusive_deadlock: a driver reads its configuration under the
-- shared lock and, finding a stale value, "upgrades" to the exclusive lock
-- without releasing the shared one first. An ERESOURCE has no upgrade: a
-- writer waits until every reader has gone, and the reader it waits for is
-- itself. No bug check: the thread waits for ever, as on Windows; nothing
-- else can run, and drvsim ends the run with its deadlock report (outcome
-- timeout) naming the thread and the resource it owns shared.
scenario { expect = "timeout" }

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
