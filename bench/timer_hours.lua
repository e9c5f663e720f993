-- bench/timer_hours.lua: 24 simulated hours of a 10 ms periodic timer whose
-- DPC counts under a spin lock (8,640,000 DPC runs). Every run is a new
-- execution; memory must stay flat (make bench prints the peak RSS of 1 h,
-- with --limit 1h, and of the 24 h).
scenario { limit = "25h", expect = "clean" }

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
  Sleep "24h"
  UnloadDriver "tick.sys"
end)
