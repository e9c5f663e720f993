-- sync_object_session (clean twin): the context, its KEVENT included, is in
-- nonpaged pool; a system thread signals the event and the driver waits
-- on it.
scenario {
  verifier = "/standard /driver prnctx.sys",
  expect   = "clean",
}

local CONTEXT_BYTES = 96

driver "prnctx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Context = ExAllocatePoolWithTag(NonPagedPoolNx, CONTEXT_BYTES, "PrnC")    -- right
    if Context == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    JobReady = KEVENT(Context + 16)
    KeInitializeEvent(JobReady, SynchronizationEvent, false)
    local status, Thread = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeSetEvent(JobReady, IO_NO_INCREMENT, false)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      ExFreePoolWithTag(Context, "PrnC")
      return status
    end
    ZwClose(Thread)
    KeWaitForSingleObject(JobReady, Executive, KernelMode, false, nil)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Context, "PrnC")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "prnctx.sys"
  UnloadDriver "prnctx.sys"
end)
