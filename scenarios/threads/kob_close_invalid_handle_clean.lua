-- kob_close_invalid_handle, clean twin: netmon.sys closes its worker
-- thread's handle once, in DriverEntry, and at unload drops only the
-- reference it took. Clean, verified (/standard) or not.
-- Source: windows-driver-docs-pr/debugger/bug-check-0x93--invalid-kernel-handle.md
scenario {
  expect = "clean",
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
    ZwClose(handle)            -- the referenced pointer outlives the handle

    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)   -- right: the handle was closed once, in DriverEntry
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netmon.sys"
  Sleep "100ms"
  UnloadDriver "netmon.sys"
end)
