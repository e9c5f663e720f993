-- deadlock_release_not_acquired: a configuration driver's update routine
-- takes its fast mutex only when the update is not a dry run, but releases
-- it on every path. The dry run releases a mutex nobody acquired; with
-- deadlock detection on, Driver Verifier stops at that release (0xC4,
-- P1 = 0x1007, P2 the mutex).
scenario {
  verifier = "/flags 0x20 /driver cfgupd.sys",
  expect = { bugcheck = 0xC4, p1 = 0x1007, driver = "cfgupd.sys" },
}

driver "cfgupd.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ConfigLock = FAST_MUTEX()
    ExInitializeFastMutex(ConfigLock)
    Version = 1

    local function Update(DryRun)
      KeEnterCriticalRegion()
      if not DryRun then
        ExAcquireFastMutexUnsafe(ConfigLock)
        Version = Version + 1
      end
      ExReleaseFastMutexUnsafe(ConfigLock)   -- BUG: a dry run never acquired it
      KeLeaveCriticalRegion()
    end

    Update(false)
    Update(true)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgupd.sys"
  UnloadDriver "cfgupd.sys"
end)
