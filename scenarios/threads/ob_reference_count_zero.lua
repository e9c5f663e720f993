-- ob_reference_count_zero: a scanner driver's StopWorker helper signals its
-- worker thread, waits for it and drops the reference taken on the thread
-- object, but leaves the pointer set; DriverUnload then drops "its"
-- reference too. The first dereference was the last one (the handle is long
-- closed and the thread has ended), so the object is gone and its count is
-- already zero: 0xC4/0x3F (P2 the object; P3 -1, the dereference path;
-- P4 0). Without the verifier the kernel sees the count go below zero:
-- REFERENCE_BY_POINTER (0x18, see kob_reference_by_pointer).
scenario {
  verifier = "/standard /driver scanner.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x3F, p3 = -1, p4 = 0, driver = "scanner.sys" },
}

driver "scanner.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    WorkReady, Stop = KEVENT(), KEVENT()
    KeInitializeEvent(WorkReady, SynchronizationEvent, false)
    KeInitializeEvent(Stop, NotificationEvent, false)
    Scanned = 0
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while KeWaitForMultipleObjects(2, { Stop, WorkReady }, WaitAny, Executive, KernelMode, false,
                                     -10000 * 100, nil) ~= STATUS_WAIT_0 do
        Scanned = Scanned + 1        -- a request, or the 100 ms idle rescan
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    status, Worker = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)

    local function StopWorker()
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)    -- the reference is gone; Worker still points at it
    end

    DriverObject.DriverUnload = function(DriverObject)
      StopWorker()
      -- BUG: StopWorker already dropped the only reference on Worker.
      ObDereferenceObject(Worker)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "scanner.sys"
  Sleep "500ms"
  UnloadDriver "scanner.sys"
end)
