-- extimer_unload_set: idledrv.sys's unload routine forgets its polling
-- timer: the EX_TIMER is still set, its callback in the driver's code. The
-- driver verifier's unload checks find the timer set by the unloading
-- driver and stop the machine: TIMER_OR_DPC_INVALID (0xC7), P1 0 (a
-- timer), P2 the timer. Left alone, the next expiry would run code that is
-- gone. The clean twin, extimer_unload_set_clean, deletes it first.
scenario {
  verifier = "/standard /driver idledrv.sys",
  expect   = { bugcheck = 0xC7, p1 = 0, driver = "idledrv.sys" },
}

driver "idledrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Polls = 0
    PollTimer = ExAllocateTimer(function(Timer, Context) Polls = Polls + 1 end, nil, 0)
    ExSetTimer(PollTimer, -100000, 100000, nil)            -- every 10 ms
    DriverObject.DriverUnload = function(DriverObject)
      -- BUG: no ExDeleteTimer(PollTimer, true, true, nil)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "idledrv.sys"
  Sleep "50ms"
  UnloadDriver "idledrv.sys"
end)
