-- unloaded_code_executed: a battery-monitor driver's polling thread reads the
-- charge level every 200 ms, waiting on its stop event with a timeout. The
-- unload routine frees the readings buffer but neither signals the stop
-- event nor waits for the thread, so the driver unloads with the thread
-- still asleep in its wait. When the timeout ends, the thread resumes in an
-- image that is no longer there: DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_
-- OPERATIONS (0xCE, P2 = 0: an instruction fetch). No verifier here: Driver
-- Verifier does not look for a driver's system threads at unload, so with
-- /standard the outcome is the same 0xCE.
scenario {
  expect = { bugcheck = 0xCE, p2 = 0, driver = "battmon.sys" },
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
      -- The thread sleeps in this wait when the driver unloads, and wakes here.
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
    ZwClose(handle)

    DriverObject.DriverUnload = function(DriverObject)
      -- BUG: no KeSetEvent(Stop) and no wait for the polling thread.
      ExFreePoolWithTag(Readings, "Batt")
      Readings = nil
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "battmon.sys"
  Sleep "1s"
  UnloadDriver "battmon.sys"
  Sleep "1s"     -- the thread's next poll comes after the unload
end)
