-- resource_release_apcs_enabled_clean: the driver of
-- resource_release_apcs_enabled releasing the lock before it leaves the
-- critical region, and reading the counts (shared) from its unload routine.
scenario {
  verifier = "/standard /driver avscan.sys",
  expect = "clean",
}

driver "avscan.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    CountLock = ERESOURCE()
    Children = {}
    ExInitializeResourceLite(CountLock)

    OnProcess = function(ParentId, ProcessId, Create)
      KeEnterCriticalRegion()
      ExAcquireResourceExclusiveLite(CountLock, true)
      Children[ParentId] = (Children[ParentId] or 0) + 1
      ExReleaseResourceLite(CountLock)
      KeLeaveCriticalRegion()
    end
    local status = PsSetCreateProcessNotifyRoutine(OnProcess, false)
    if status ~= STATUS_SUCCESS then
      ExDeleteResourceLite(CountLock)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      PsSetCreateProcessNotifyRoutine(OnProcess, true)
      KeEnterCriticalRegion()
      ExAcquireResourceSharedLite(CountLock, true)
      Total = 0
      for _, n in pairs(Children) do Total = Total + n end
      ExReleaseResourceLite(CountLock)
      KeLeaveCriticalRegion()
      ExDeleteResourceLite(CountLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "avscan.sys"
  local explorer = CreateProcess "explorer.exe"
  RunInProcess(explorer, function()
    CreateProcess "notepad.exe"
    CreateProcess "calc.exe"
  end)
  UnloadDriver "avscan.sys"
end)
