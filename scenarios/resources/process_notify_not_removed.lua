-- process_notify_not_removed: a driver registers a process-creation callback
-- and BUG: its unload routine forgets PsSetCreateProcessNotifyRoutine(...,
-- TRUE). Windows does not check at unload; the next process creation calls
-- into the unloaded image and the page fault there cannot be served:
-- DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0xCE).
scenario {
  expect = { bugcheck = 0xCE, driver = "proctrack.sys" },
}

driver "proctrack.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Started = 0
    local status = PsSetCreateProcessNotifyRoutine(function(ParentId, ProcessId, Create)
      Started = Started + 1
    end, false)
    DriverObject.DriverUnload = function(DriverObject) end   -- BUG: not removed
    return status
  end,
}

run(function()
  LoadDriver "proctrack.sys"
  CreateProcess "app.exe"
  UnloadDriver "proctrack.sys"
  CreateProcess "later.exe"
end)
