-- unloaded_timer_dpc (an example of unloaded_code_executed): a fan-control
-- driver adjusts the fan speed from a periodic timer DPC. Its unload routine
-- forgets KeCancelTimer, and no verifier checks the driver at unload, so
-- the unload succeeds. 100 ms later the timer expires, the kernel queues the
-- DPC, and the processor jumps to a routine in an image that is no longer
-- there: DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0xCE, P2 = 0:
-- an instruction fetch). With the verifier, the unload itself would be
-- stopped (0xC7/0x0, unload_timer_set).
scenario {
  expect = { bugcheck = 0xCE, p2 = 0, driver = "fanctl.sys" },
}

driver "fanctl.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    FanTimer, FanDpc = KTIMER(), KDPC()
    FanSpeed = 30
    KeInitializeTimer(FanTimer)
    KeInitializeDpc(FanDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      FanSpeed = math.min(100, math.max(30, FanSpeed + math.random(-5, 5)))
    end, nil)
    KeSetTimerEx(FanTimer, -10000 * 100, 100, FanDpc)       -- every 100 ms
    DriverObject.DriverUnload = function(DriverObject)
      -- BUG: no KeCancelTimer(FanTimer) and KeFlushQueuedDpcs() here.
      FanSpeed = 100   -- leave the fan at full speed
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fanctl.sys"
  Sleep "1s"
  UnloadDriver "fanctl.sys"
  Sleep "1s"     -- the timer fires after the unload
end)
