-- netmon.sys done right: the network monitor turns its worker thread's
-- handle into a referenced object pointer before closing the handle, and at
-- unload waits on that pointer and drops the reference. The clean twin of
-- ob_bad_handle.lua and ob_bad_kernel_handle_referenced.lua.
return {
  DriverEntry = function(DriverObject, RegistryPath)
    Stop = KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    Samples = 0
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      -- Sample the interface counters every 50 ms until Stop.
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 50) == STATUS_TIMEOUT do
        Samples = Samples + 1
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    status, Worker = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)            -- the referenced pointer outlives the handle
    if status ~= STATUS_SUCCESS then
      KeSetEvent(Stop, 0, false)
      return status
    end

    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)
    end
    return STATUS_SUCCESS
  end,
}
