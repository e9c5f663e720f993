-- race_data_clean: race_data.lua's counter.sys fixed: the thread and the
-- timer DPC count with InterlockedIncrement, one locked instruction that is
-- also a full barrier. No race is reported on any seed, and at unload (after
-- the timer is cancelled, the DPCs flushed and the thread waited for) the
-- count is exactly the thread's 50 plus the DPC's runs: the driver checks it
-- and bug checks with its own code (0xE2, MANUALLY_INITIATED_CRASH) if an
-- update was lost.
scenario {
  verifier = "/standard /races /driver counter.sys",
  cpus     = 2,
  expect   = "clean",
}

COUNTER_INTERLOCKED = true
driver "counter.sys" "drivers/counter.lua"

run(function()
  LoadDriver "counter.sys"
  Sleep "1s"
  UnloadDriver "counter.sys"
end)
