-- periodic_timer_hours_clean: a driver's 10 ms periodic timer DPC counts
-- ticks under a spin lock for one simulated hour: 360,000 DPC runs, each a
-- new execution whose coroutine is released when it returns, so the run's
-- memory stays flat however long it goes (bench/timer_hours.lua runs 24 h).
-- The driver cancels the timer and flushes its DPC before it unloads: clean.
scenario {
  limit = "2h",
  expect = "clean",
}

driver "tick.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock, Timer, Dpc = KSPIN_LOCK(), KTIMER(), KDPC()
    Ticks = 0
    KeInitializeSpinLock(Lock)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
      KeAcquireSpinLockAtDpcLevel(Lock)
      Ticks = Ticks + 1
      KeReleaseSpinLockFromDpcLevel(Lock)
    end, nil)
    KeSetTimerEx(Timer, -10000 * 10, 10, Dpc)
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "tick.sys"
  Sleep "1h"
  if Ticks < 359990 then
    error("the timer ticked " .. Ticks .. " times in an hour")
  end
  UnloadDriver "tick.sys"
end)
