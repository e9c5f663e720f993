-- extimer_clean: idledrv.sys polls its device as classpnp does with the
-- executive's timers: ExAllocateTimer with an EXT_CALLBACK, ExSetTimer with
-- a relative due time and a period in 100 ns units (here 10 ms), the
-- callback running at DISPATCH_LEVEL with (Timer, Context); ExCancelTimer
-- stops it (TRUE: it was set) and ExDeleteTimer frees it, waiting for a
-- callback in flight. A second, one-shot high-resolution timer fires once.
scenario {
  verifier = "/standard /driver idledrv.sys",
  cpus     = 2,
}

driver "idledrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Polls, Shots, Counter = 0, 0, LONG()
    PollTimer = ExAllocateTimer(function(Timer, Context)
      assert(Timer == PollTimer and Context == Counter)
      assert(KeGetCurrentIrql() == DISPATCH_LEVEL)
      InterlockedIncrement(Context)
      Polls = Polls + 1
    end, Counter, 0)
    assert(PollTimer ~= nil)
    assert(not ExSetTimer(PollTimer, -100000, 100000, nil))   -- in 10 ms, every 10 ms
    OneShot = ExAllocateTimer(function(Timer, Context) Shots = Shots + 1 end, nil,
                              EX_TIMER_HIGH_RESOLUTION)
    ExSetTimer(OneShot, -20000, 0, nil)
    assert(ExAllocateTimer(nil, nil, 0x100) == nil, "an attribute wdm.h does not define")

    DriverObject.DriverUnload = function(DriverObject)
      assert(ExCancelTimer(PollTimer, nil), "it was set")
      assert(not ExCancelTimer(PollTimer, nil), "and is no longer")
      assert(not ExDeleteTimer(PollTimer, true, true, nil))
      assert(not ExDeleteTimer(OneShot, true, true, nil), "expired already")
      assert(Polls >= 9 and Polls <= 10, "about ten polls in 100 ms: " .. Polls)
      assert(Counter:u32(0) == Polls and Shots == 1)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "idledrv.sys"
  Sleep "100ms"
  UnloadDriver "idledrv.sys"
end)
