-- extimer_unload_set_clean: the clean twin of extimer_unload_set. The
-- unload routine deletes the polling timer, cancelling it and waiting for
-- a callback in flight, before the driver's code goes.
scenario {
  verifier = "/standard /driver idledrv.sys",
}

driver "idledrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Polls = 0
    PollTimer = ExAllocateTimer(function(Timer, Context) Polls = Polls + 1 end, nil, 0)
    ExSetTimer(PollTimer, -100000, 100000, nil)            -- every 10 ms
    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteTimer(PollTimer, true, true, nil)            -- cancel, wait, free
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "idledrv.sys"
  Sleep "50ms"
  UnloadDriver "idledrv.sys"
end)
