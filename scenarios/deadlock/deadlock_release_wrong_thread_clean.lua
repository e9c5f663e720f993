-- deadlock_release_wrong_thread_clean: the logging driver of
-- deadlock_release_wrong_thread with the fix: each thread acquires the
-- log's fast mutex itself and releases it; the owner thread lets the writer
-- go only after its own release.
scenario {
  verifier = "/flags 0x20 /driver logwr.sys",
  cpus = 2,
  expect = "clean",
}

driver "logwr.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    LogLock, Handed = FAST_MUTEX(), KEVENT()
    ExInitializeFastMutex(LogLock)
    KeInitializeEvent(Handed, NotificationEvent, false)
    Lines = 0

    local function Owner(StartContext)
      KeEnterCriticalRegion()
      ExAcquireFastMutexUnsafe(LogLock)
      Lines = Lines + 1
      ExReleaseFastMutexUnsafe(LogLock)
      KeLeaveCriticalRegion()
      KeSetEvent(Handed, 0, false)
    end

    local function Writer(StartContext)
      KeWaitForSingleObject(Handed, Executive, KernelMode, false, nil)
      KeEnterCriticalRegion()
      ExAcquireFastMutexUnsafe(LogLock)
      Lines = Lines + 1
      ExReleaseFastMutexUnsafe(LogLock)
      KeLeaveCriticalRegion()
    end

    Threads = {}
    for i, Routine in ipairs({Owner, Writer}) do
      local status, handle = PsCreateSystemThread(0, nil, nil, Routine, nil)
      local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
      ZwClose(handle)
      Threads[i] = object
    end
    DriverObject.DriverUnload = function(DriverObject)
      for i = 1, 2 do
        KeWaitForSingleObject(Threads[i], Executive, KernelMode, false, nil)
        ObDereferenceObject(Threads[i])
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "logwr.sys"
  UnloadDriver "logwr.sys"
end)
