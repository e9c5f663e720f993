-- deadlock_release_wrong_thread: a logging driver's writer thread takes the
-- log's fast mutex and hands "the log" to a second thread, which writes and
-- releases the mutex it never acquired. A fast mutex belongs to the thread
-- that acquired it; with deadlock detection on, Driver Verifier stops at
-- the release (0xC4, P1 = 0x1004, P2 the mutex, P3 the thread that
-- acquired it, P4 the current thread).
scenario {
  verifier = "/flags 0x20 /driver logwr.sys",
  cpus = 2,
  expect = { bugcheck = 0xC4, p1 = 0x1004, driver = "logwr.sys" },
}

driver "logwr.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    LogLock, Handed, Done = FAST_MUTEX(), KEVENT(), KEVENT()
    ExInitializeFastMutex(LogLock)
    KeInitializeEvent(Handed, NotificationEvent, false)
    KeInitializeEvent(Done, NotificationEvent, false)
    Lines = 0

    local function Owner(StartContext)
      KeEnterCriticalRegion()
      ExAcquireFastMutexUnsafe(LogLock)
      KeSetEvent(Handed, 0, false)
      KeWaitForSingleObject(Done, Executive, KernelMode, false, nil)
      KeLeaveCriticalRegion()
    end

    local function Writer(StartContext)
      KeWaitForSingleObject(Handed, Executive, KernelMode, false, nil)
      KeEnterCriticalRegion()
      Lines = Lines + 1
      ExReleaseFastMutexUnsafe(LogLock)   -- BUG: the owner thread acquired it
      KeLeaveCriticalRegion()
      KeSetEvent(Done, 0, false)
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
