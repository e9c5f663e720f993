-- deadlock_release_not_acquired_clean: the configuration driver of
-- deadlock_release_not_acquired with the fix: the release is on the path
-- that acquired.
scenario {
  verifier = "/flags 0x20 /driver cfgupd.sys",
  expect = "clean",
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
        ExReleaseFastMutexUnsafe(ConfigLock)
      end
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
