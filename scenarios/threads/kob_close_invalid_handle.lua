-- kob_close_invalid_handle: netmon.sys keeps its worker thread's handle to
-- wait on at unload, and closes it there; but its DriverEntry's error path
-- was shared with the success path and closed it already. The second ZwClose
-- is kernel-mode code's NtClose on a handle no longer in the table: the
-- kernel stops the machine with INVALID_KERNEL_HANDLE (0x93), verified or
-- not. P1 the handle, P2 = 1 (an invalid handle closed), P3 = P4 = 0.
-- Source: windows-driver-docs-pr/debugger/bug-check-0x93--invalid-kernel-handle.md
scenario {
  expect = { bugcheck = 0x93, p1 = 0xFFFFFFFF80000004, p2 = 1, p3 = 0, p4 = 0,
             driver = "netmon.sys" },
}

driver "netmon.sys" {
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
    status, Worker = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    WorkerHandle = handle
    ZwClose(handle)            -- the referenced pointer outlives the handle

    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)
      -- BUG: DriverEntry closed the handle already.
      ZwClose(WorkerHandle)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netmon.sys"
  Sleep "100ms"
  UnloadDriver "netmon.sys"
end)
