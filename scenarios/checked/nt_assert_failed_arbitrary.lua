-- nt_assert_failed_arbitrary: a checked build of a polling driver whose
-- timer DPC asserts with NT_ASSERT that it was given its device context;
-- DriverEntry initialises the DPC with a NULL context. NT_ASSERT is int 2c:
-- with no kernel debugger attached the STATUS_ASSERTION_FAILURE exception is
-- unhandled in a DPC, whose stack has no thread's handler:
-- KMODE_EXCEPTION_NOT_HANDLED (0x1E, P1 = 0xC0000420).
scenario {
  build = "checked",
  expect = { bugcheck = 0x1E, p1 = 0xC0000420, driver = "poll.sys" },
}

driver "poll.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Device = { Polls = 0 }
    Timer, Dpc = KTIMER(), KDPC()
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, Arg1, Arg2)
      NT_ASSERT(DeferredContext ~= nil)
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
