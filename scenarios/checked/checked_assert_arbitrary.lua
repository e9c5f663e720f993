-- checked_assert_arbitrary: a checked build of a polling driver whose timer
-- DPC asserts that it was given its device context. DriverEntry initialises
-- the DPC with a NULL context (it meant to pass Device). The ASSERT fails in
-- the DPC: RtlAssert breaks, and with no kernel debugger attached the
-- breakpoint exception is unhandled in a DPC, whose stack has no thread's
-- handler: KMODE_EXCEPTION_NOT_HANDLED (0x1E, P1 = 0x80000003).
scenario {
  build = "checked",
  expect = { bugcheck = 0x1E, p1 = 0x80000003, driver = "poll.sys" },
}

driver "poll.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Device = { Polls = 0 }
    Timer, Dpc = KTIMER(), KDPC()
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, Arg1, Arg2)
      ASSERT(DeferredContext ~= nil)
      Device.Polls = Device.Polls + 1
    end, nil)                                 -- BUG: the context should be the device
    KeSetTimerEx(Timer, -10000 * 10, 10, Dpc)
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "poll.sys"
  Sleep "100ms"
  UnloadDriver "poll.sys"
end)
