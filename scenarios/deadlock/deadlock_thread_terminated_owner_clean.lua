-- deadlock_thread_terminated_owner_clean: the polling driver of
-- deadlock_thread_terminated_owner with the fix: the early return releases
-- the resource first.
scenario {
  verifier = "/flags 0x20 /driver pollx.sys",
  expect = "clean",
}

driver "pollx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DeviceLock = ERESOURCE()
    ExInitializeResourceLite(DeviceLock)
    Polls = 0

    local function Poller(StartContext)
      for i = 1, 3 do
        KeEnterCriticalRegion()
        ExAcquireResourceExclusiveLite(DeviceLock, true)
        Polls = Polls + 1
        if i == 3 then
          ExReleaseResourceLite(DeviceLock)
          KeLeaveCriticalRegion()
          return
        end
        ExReleaseResourceLite(DeviceLock)
        KeLeaveCriticalRegion()
      end
    end

    local status, handle = PsCreateSystemThread(0, nil, nil, Poller, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    PollThread = object
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(PollThread, Executive, KernelMode, false, nil)
      ObDereferenceObject(PollThread)
      ExDeleteResourceLite(DeviceLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pollx.sys"
  UnloadDriver "pollx.sys"
end)
