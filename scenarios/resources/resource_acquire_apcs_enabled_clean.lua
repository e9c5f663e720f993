-- resource_acquire_apcs_enabled_clean: the process-tracking driver of
-- resource_acquire_apcs_enabled done right. Its process-creation callback
-- holds the table lock exclusive only inside a critical region
-- (ExEnterCriticalRegionAndAcquireResourceExclusive, then
-- ExReleaseResourceAndLeaveCriticalRegion), and a reporting thread of its own
-- reads the table under the shared lock, also inside a critical region, while
-- two applications create processes on the other processor.
scenario {
  verifier = "/standard /driver proctrack.sys",
  cpus = 2,
  expect = "clean",
}

driver "proctrack.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock, Stop = ERESOURCE(), KEVENT()
    Processes, Seen = {}, 0
    ExInitializeResourceLite(TableLock)
    KeInitializeEvent(Stop, NotificationEvent, false)

    OnProcess = function(ParentId, ProcessId, Create)
      ExEnterCriticalRegionAndAcquireResourceExclusive(TableLock)
      Processes[ProcessId] = ParentId
      ExReleaseResourceAndLeaveCriticalRegion(TableLock)
    end

    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 5) ==
          STATUS_TIMEOUT do
        KeEnterCriticalRegion()
        ExAcquireResourceSharedLite(TableLock, true)
        local count = 0
        for _ in pairs(Processes) do count = count + 1 end
        Seen = math.max(Seen, count)
        ExReleaseResourceLite(TableLock)
        KeLeaveCriticalRegion()
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      ExDeleteResourceLite(TableLock)
      return status
    end
    local _, thread = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Reporter = thread

    status = PsSetCreateProcessNotifyRoutine(OnProcess, false)
    if status ~= STATUS_SUCCESS then
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Reporter, Executive, KernelMode, false, nil)
      ObDereferenceObject(Reporter)
      ExDeleteResourceLite(TableLock)
      return status
    end

    DriverObject.DriverUnload = function(DriverObject)
      PsSetCreateProcessNotifyRoutine(OnProcess, true)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Reporter, Executive, KernelMode, false, nil)
      ObDereferenceObject(Reporter)
      ExDeleteResourceLite(TableLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "proctrack.sys"
  local shell = CreateProcess "shell.exe"
  local build = CreateProcess "build.exe"
  local a = StartInProcess(shell, function()
    for i = 1, 4 do
      CreateProcess("tool" .. i .. ".exe")
      Sleep "3ms"
    end
  end)
  RunInProcess(build, function()
    for i = 1, 4 do
      CreateProcess("cc" .. i .. ".exe")
      Sleep "2ms"
    end
  end)
  KeWaitForSingleObject(a, Executive, KernelMode, false, nil)
  ObDereferenceObject(a)
  Sleep "20ms"
  UnloadDriver "proctrack.sys"
end)
