-- time_clean: clockdrv.sys times its hardware as storage and camera samples
-- do (classpnp's tick counts, avscamera's performance counter and
-- RtlTimeToTimeFields): it stalls 50 microseconds for a register to settle
-- and measures the stall with KeQueryPerformanceCounter (10 MHz: 500
-- counts, plus the calls' own time), converts the boot time to its fields
-- and back, pins a calibration loop to processor 1 with
-- KeSetSystemAffinityThreadEx (the thread moves there and stays), raises a
-- thread's priority, and tells its own threads (KernelMode) from an
-- application's (UserMode) with ExGetPreviousMode.
scenario {
  verifier = "/standard /driver clockdrv.sys",
  cpus     = 2,
}

driver "clockdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- The stall, measured.
    local Start, Frequency = KeQueryPerformanceCounter()
    assert(Frequency == 10000000, "QPC runs at 10 MHz")
    KeStallExecutionProcessor(50)
    local Stop = KeQueryPerformanceCounter()
    assert(Stop - Start >= 500 and Stop - Start < 510, "50 us: " .. (Stop - Start))

    -- Ticks: one per 15.625 ms.
    assert(KeQueryTimeIncrement() == 156250)
    local Ticks = KeQueryTickCount()
    assert(Ticks == KeQueryInterruptTime() // 156250)

    -- Boot time in fields: 2026-01-01 00:00, a Thursday; and back.
    local Now = KeQuerySystemTimePrecise()
    local Local = ExSystemTimeToLocalTime(Now)
    assert(Local == Now, "the machine's time zone is UTC")
    local Fields = TIME_FIELDS()
    RtlTimeToTimeFields(Local, Fields)
    assert(Fields.Year == 2026 and Fields.Month == 1 and Fields.Day == 1)
    assert(Fields.Hour == 0 and Fields.Minute == 0 and Fields.Weekday == 4)
    local Ok, Back = RtlTimeFieldsToTime(Fields)
    assert(Ok and Back == Now - Now % 10000, "back to the millisecond")
    Fields.Month, Fields.Day = 2, 29                        -- 2026 is no leap year
    assert(not RtlTimeFieldsToTime(Fields))

    -- Processors.
    local Count, Active = KeQueryActiveProcessorCount()
    assert(Count == 2 and Active == 3 and KeQueryActiveProcessors() == 3)
    assert(KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS) == 2)
    assert(ExGetPreviousMode() == KernelMode)

    Calibrated = KEVENT()
    KeInitializeEvent(Calibrated, NotificationEvent, false)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(Context)
      local Thread = KeGetCurrentThread()
      assert(Thread == PsGetCurrentThread())
      assert(KeSetPriorityThread(Thread, LOW_REALTIME_PRIORITY) == 8)
      assert(KeQueryPriorityThread(Thread) == LOW_REALTIME_PRIORITY)
      local Old = KeSetSystemAffinityThreadEx(0x2)
      assert(Old == 0)
      for i = 1, 20 do
        assert(KeGetCurrentProcessorNumber() == 1, "pinned to processor 1")
        local Number = PROCESSOR_NUMBER()
        assert(KeGetCurrentProcessorNumberEx(Number) == 1 and Number.Number == 1)
        KeDelayExecutionThread(KernelMode, false, -10000)
      end
      KeRevertToUserAffinityThreadEx(Old)
      KeSetEvent(Calibrated, 0, false)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    assert(status == STATUS_SUCCESS)
    ZwClose(handle)
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Calibrated, Executive, KernelMode, false, nil)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "clockdrv.sys"
  local App = CreateProcess "clockapp.exe"
  RunInProcess(App, function()
    assert(ExGetPreviousMode() == UserMode, "an application's thread")
  end)
  UnloadDriver "clockdrv.sys"
end)
