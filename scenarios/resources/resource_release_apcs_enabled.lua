-- resource_release_apcs_enabled: an antivirus-style driver counts the
-- processes each parent starts, in a table guarded by an ERESOURCE, from its
-- process-creation callback (which runs in the creating application's
-- thread). It enters a critical region before acquiring the lock, but BUG:
-- its cleanup leaves the region before releasing the lock, so between the two
-- calls the thread holds the lock with APCs enabled again and could be
-- suspended there. Driver Verifier stops it at the release: 0xC4/0x38 (P2
-- the IRQL, P3 CombinedApcDisable, P4 the resource).
scenario {
  verifier = "/standard /driver avscan.sys",
  expect = { bugcheck = 0xC4, p1 = 0x38, p2 = PASSIVE_LEVEL, p3 = 0, driver = "avscan.sys" },
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
      KeLeaveCriticalRegion()                 -- BUG: the region ends too early
      ExReleaseResourceLite(CountLock)
    end
    local status = PsSetCreateProcessNotifyRoutine(OnProcess, false)
    if status ~= STATUS_SUCCESS then
      ExDeleteResourceLite(CountLock)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      PsSetCreateProcessNotifyRoutine(OnProcess, true)
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
  end)
  UnloadDriver "avscan.sys"
end)
