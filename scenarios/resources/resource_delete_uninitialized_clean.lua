-- resource_delete_uninitialized_clean: the driver of
-- resource_delete_uninitialized deleting the statistics lock only when it
-- initialised it, run once with the feature off and once with it on.
scenario {
  verifier = "/standard /driver netstat.sys /driver netstat2.sys",
  expect = "clean",
}

local function StatsDriver(Enabled)
  return {
    DriverEntry = function(DriverObject, RegistryPath)
      local Lock = ERESOURCE()
      if Enabled then
        ExInitializeResourceLite(Lock)
      end
      DriverObject.DriverUnload = function(DriverObject)
        if Enabled then
          ExDeleteResourceLite(Lock)
        end
      end
      return STATUS_SUCCESS
    end,
  }
end

driver "netstat.sys" (StatsDriver(false))
driver "netstat2.sys" (StatsDriver(true))

run(function()
  LoadDriver "netstat.sys"
  LoadDriver "netstat2.sys"
  UnloadDriver "netstat.sys"
  UnloadDriver "netstat2.sys"
end)
