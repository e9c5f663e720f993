-- resource_delete_uninitialized: a driver initialises the lock of its
-- optional statistics feature only when the feature is enabled in the
-- registry. BUG: its unload routine deletes the lock unconditionally, so with
-- the feature off it deletes an ERESOURCE that was never initialised.
-- Driver Verifier's miscellaneous checks stop it: 0xC4/0xD1, P2 the
-- resource.
scenario {
  verifier = "/standard /driver netstat.sys",
  expect = { bugcheck = 0xC4, p1 = 0xD1, driver = "netstat.sys" },
}

driver "netstat.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    StatsLock = ERESOURCE()
    StatsEnabled = false                  -- the registry value is absent
    if StatsEnabled then
      ExInitializeResourceLite(StatsLock)
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteResourceLite(StatsLock)     -- BUG: deleted whether or not initialised
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netstat.sys"
  UnloadDriver "netstat.sys"
end)
