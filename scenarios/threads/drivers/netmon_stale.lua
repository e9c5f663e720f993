-- netmon.sys, the stale-handle version: a network monitor closes its worker
-- thread's handle right after PsCreateSystemThread, as most drivers do, but
-- keeps the value, and at unload turns the closed handle into the thread
-- object to wait for the thread's end. ob_bad_handle.lua runs it without
-- miscellaneous checks (0xC4/0x3C), ob_bad_kernel_handle_referenced.lua under
-- /standard (0x93).
return {
  DriverEntry = function(DriverObject, RegistryPath)
    Stop = KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    Samples = 0
    local status
    status, WorkerHandle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      -- Sample the interface counters every 50 ms until Stop.
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 50) == STATUS_TIMEOUT do
        Samples = Samples + 1
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    ZwClose(WorkerHandle)      -- the thread runs on; the handle is not needed

    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      -- BUG: WorkerHandle was closed in DriverEntry.
      local status, Worker = ObReferenceObjectByHandle(WorkerHandle, 0, nil, KernelMode)
      if status == STATUS_SUCCESS then
        KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
        ObDereferenceObject(Worker)
      end
    end
    return STATUS_SUCCESS
  end,
}
