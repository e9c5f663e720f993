-- resource_acquire_apcs_enabled: a process-tracking driver keeps the ids of
-- the processes it has seen in a table guarded by an ERESOURCE. Its
-- process-creation callback runs in the thread of whoever creates the
-- process, here an application's thread. BUG: the callback takes the lock
-- exclusive without KeEnterCriticalRegion, so a user-mode suspend of that
-- thread (an APC) could stop it while it holds the lock, and every other
-- thread needing the table would hang. The first process, created by the
-- System thread of the test, passes: Driver Verifier exempts system threads,
-- which nothing in user mode can suspend. The second one, created by the
-- application, stops: 0xC4/0x37 (P2 the IRQL, P3 the thread's
-- CombinedApcDisable, P4 the resource).
scenario {
  verifier = "/standard /driver proctrack.sys",
  expect = { bugcheck = 0xC4, p1 = 0x37, p2 = PASSIVE_LEVEL, p3 = 0, driver = "proctrack.sys" },
}

driver "proctrack.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = ERESOURCE()
    Processes = {}
    ExInitializeResourceLite(TableLock)

    OnProcess = function(ParentId, ProcessId, Create)
      ExAcquireResourceExclusiveLite(TableLock, true)   -- BUG: no critical region
      Processes[ProcessId] = ParentId
      ExReleaseResourceLite(TableLock)
    end
    local status = PsSetCreateProcessNotifyRoutine(OnProcess, false)
    if status ~= STATUS_SUCCESS then
      ExDeleteResourceLite(TableLock)
      return status
    end

    DriverObject.DriverUnload = function(DriverObject)
      PsSetCreateProcessNotifyRoutine(OnProcess, true)
      ExDeleteResourceLite(TableLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "proctrack.sys"
  local app = CreateProcess "app.exe"          -- from a system thread: exempt
  RunInProcess(app, function()
    CreateProcess "child.exe"                  -- from the application's thread
  end)
  UnloadDriver "proctrack.sys"
end)
