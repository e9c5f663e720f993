-- mutex_release_not_owned: a battery driver's worker thread releases the
-- KMUTEX that guards its cached status "to unblock" the thread that holds it.
-- KeReleaseMutex by a thread that does not own the mutex raises
-- STATUS_MUTANT_NOT_OWNED (0xC0000046), as KeReleaseMutant does on Windows
-- (bug check 0x11 THREAD_NOT_MUTEX_OWNER was NT 3.x); unhandled in the
-- system thread it is SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0x7E).
scenario {
  expect = { bugcheck = 0x7E, p1 = 0xC0000046, driver = "battc.sys" },
}

driver "battc.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    StatusLock, Stop = KMUTEX(), KEVENT()
    KeInitializeMutex(StatusLock, 0)
    KeInitializeEvent(Stop, NotificationEvent, false)
    -- DriverEntry's thread holds the status for a while.
    KeWaitForSingleObject(StatusLock, Executive, KernelMode, false, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      if KeReadStateMutex(StatusLock) <= 0 then
        KeReleaseMutex(StatusLock, false)       -- BUG: not the owner
      end
    end, nil)
    ZwClose(handle)
    KeDelayExecutionThread(KernelMode, false, -10000 * 10)
    KeReleaseMutex(StatusLock, false)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "battc.sys"
  Sleep "100ms"
  UnloadDriver "battc.sys"
end)
