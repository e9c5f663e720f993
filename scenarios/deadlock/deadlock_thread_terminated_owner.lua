-- deadlock_thread_terminated_owner: a polling driver's thread takes the
-- device's ERESOURCE exclusive for each poll and, when the device reports
-- it is gone, returns straight away, still owning it. Every later
-- acquisition waits for ever for a thread that no longer exists; with
-- deadlock detection on, Driver Verifier stops when the thread ends
-- (0xC4, P1 = 0x100A, P2 the owner thread).
scenario {
  verifier = "/flags 0x20 /driver pollx.sys",
  expect = { bugcheck = 0xC4, p1 = 0x100A, driver = "pollx.sys" },
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
          KeLeaveCriticalRegion()
          return                             -- BUG: the device is gone; still the owner
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
