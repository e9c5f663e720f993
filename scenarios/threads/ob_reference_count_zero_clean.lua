-- ob_reference_count_zero, clean twin: StopWorker drops the reference on the
-- worker thread's object and clears the pointer with it, so a second call
-- (unload after an earlier stop) finds nothing left to release.
scenario {
  verifier = "/standard /driver scanner.sys",
  expect   = "clean",
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
      if Worker == nil then
        return                       -- already stopped
      end
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)
      Worker = nil
    end

    DriverObject.DriverUnload = function(DriverObject)
      StopWorker()
      StopWorker()                   -- harmless: the pointer went with the reference
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "scanner.sys"
  Sleep "500ms"
  UnloadDriver "scanner.sys"
  assert(Scanned >= 4, "the idle rescans ran")
end)
