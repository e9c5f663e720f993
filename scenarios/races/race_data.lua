-- race_data: counter.sys counts its work in a statistics block in nonpaged
-- pool, from a system thread (the requests it handles) and from a timer DPC
-- (the polls), with a plain read-modify-write and no lock: the classic lost
-- update. The two increments are unordered (nothing between the thread and
-- the DPC publishes one to the other), so the race detector reports the
-- pair on the first run that performs both, on every seed, whether or not
-- the interleaving happened to lose a count:
--
--   drvsim sweep scenarios/races/race_data.lua --seeds 1..100   (100 x 0xC4/0xD0030001)
--
-- The report names both accesses (thread or DPC, routine, IRQL, line, the
-- locks held: none) and the block: offset 0x0 of the "Cntr" allocation.
-- race_data_clean.lua is the fix, InterlockedIncrement on both sides.
scenario {
  verifier = "/standard /races /driver counter.sys",
  cpus     = 2,
  expect   = { bugcheck = 0xC4, p1 = 0xD0030001, driver = "counter.sys" },
}

COUNTER_INTERLOCKED = false
driver "counter.sys" "drivers/counter.lua"

run(function()
  LoadDriver "counter.sys"
  Sleep "1s"
  UnloadDriver "counter.sys"
end)
