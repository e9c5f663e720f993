-- ob_kernel_handle_user_mode: thrwatch.sys references the handle of the system
-- thread it created, in DriverEntry (the System process), with AccessMode
-- UserMode. The reference of a kernel handle from user mode fails; with
-- miscellaneous checks (in /standard) it is 0xC4/0xF7 (P2 the handle, P4
-- the access mode).
scenario {
  verifier = "/standard /driver thrwatch.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xF7, p4 = UserMode, driver = "thrwatch.sys" },
}

driver "thrwatch.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Stop = KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Stop, Executive, KernelMode, false, nil)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    -- The thread object, for the wait at unload; the handle is closed.
    -- BUG: a handle the driver made in the System process, referenced with
    -- UserMode: KernelMode is meant.
    status, Thread = ObReferenceObjectByHandle(handle, THREAD_ALL_ACCESS, nil, UserMode)
    ZwClose(handle)
    if status ~= STATUS_SUCCESS then
      KeSetEvent(Stop, IO_NO_INCREMENT, false)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, IO_NO_INCREMENT, false)
      KeWaitForSingleObject(Thread, Executive, KernelMode, false, nil)
      ObDereferenceObject(Thread)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "thrwatch.sys"
  Sleep "1ms"
  UnloadDriver "thrwatch.sys"
end)
