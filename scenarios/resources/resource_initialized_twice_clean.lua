-- resource_initialized_twice_clean: the driver of resource_initialized_twice
-- resetting its settings under the lock it initialised once, and
-- reinitialising the lock with ExReinitializeResourceLite when it wants a
-- fresh one, which is what that routine is for.
scenario {
  verifier = "/standard /driver cfgsvc.sys",
  expect = "clean",
}

driver "cfgsvc.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    SettingsLock = ERESOURCE()
    ExInitializeResourceLite(SettingsLock)

    local function ResetToDefaults()
      ExReinitializeResourceLite(SettingsLock)  -- nobody holds it yet
      KeEnterCriticalRegion()
      ExAcquireResourceExclusiveLite(SettingsLock, true)
      Settings = { Timeout = 30, Retries = 3 }
      ExReleaseResourceLite(SettingsLock)
      KeLeaveCriticalRegion()
    end

    Settings = nil
    if Settings == nil then
      ResetToDefaults()
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteResourceLite(SettingsLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgsvc.sys"
  UnloadDriver "cfgsvc.sys"
end)
