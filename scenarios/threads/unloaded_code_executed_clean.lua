-- unloaded_code_executed, clean twin: the battery monitor's unload routine
-- signals the stop event, waits for the polling thread to end and drops its
-- reference before freeing the readings buffer, so no code of the driver
-- runs after the unload.
scenario {
  expect = "clean",
}

driver "battmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Stop = KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    Readings = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "Batt")
    if Readings == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Readings, 64)
    Polls = 0
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 200) == STATUS_TIMEOUT do
        Readings[Polls % 64] = math.random(20, 100)    -- charge, percent
        Polls = Polls + 1
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      ExFreePoolWithTag(Readings, "Batt")
      return status
    end
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Poller = object

    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Poller, Executive, KernelMode, false, nil)
      ObDereferenceObject(Poller)
      ExFreePoolWithTag(Readings, "Batt")    -- the thread that wrote it is gone
      Readings = nil
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "battmon.sys"
  Sleep "1s"
  UnloadDriver "battmon.sys"
  Sleep "1s"     -- nothing of the driver is left to run
  assert(Polls >= 4, "the thread polled every 200 ms")
end)
