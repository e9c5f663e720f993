-- ob_kernel_handle_user_mode (clean twin): the thread's handle is referenced with
-- KernelMode.
scenario {
  verifier = "/standard /driver thrwatch.sys",
  expect   = "clean",
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
    status, Thread = ObReferenceObjectByHandle(handle, THREAD_ALL_ACCESS, nil, KernelMode) -- right
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
