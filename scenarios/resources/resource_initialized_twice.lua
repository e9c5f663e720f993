-- resource_initialized_twice: a driver guards its settings with a global
-- ERESOURCE and has a "reset to defaults" path for when the registry
-- settings turn out to be corrupt. BUG: the reset initialises the lock again,
-- as DriverEntry did, without ExDeleteResourceLite first: the resource is
-- still in the kernel's list of resources (and could be owned or waited on).
-- Driver Verifier's miscellaneous checks (part of /standard) stop it:
-- 0xC4/0xD0, P2 the resource.
scenario {
  verifier = "/standard /driver cfgsvc.sys",
  expect = { bugcheck = 0xC4, p1 = 0xD0, driver = "cfgsvc.sys" },
}

driver "cfgsvc.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    SettingsLock = ERESOURCE()
    ExInitializeResourceLite(SettingsLock)

    local function ResetToDefaults()
      ExInitializeResourceLite(SettingsLock)   -- BUG: initialised already
      KeEnterCriticalRegion()
      ExAcquireResourceExclusiveLite(SettingsLock, true)
      Settings = { Timeout = 30, Retries = 3 }
      ExReleaseResourceLite(SettingsLock)
      KeLeaveCriticalRegion()
    end

    Settings = nil                             -- the registry had nothing usable
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
