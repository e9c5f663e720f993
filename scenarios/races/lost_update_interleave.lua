-- lost_update_interleave: stats.sys counts packets in TotalPackets from its
-- send thread and from its receive DPC on the other processor, with
-- `Stats->TotalPackets++` and no lock: a load, an add, a store each.
--
-- Under the default scheduling the two never meet between a load and its
-- store (processors switch only at DDI calls), so the count is right on
-- every seed. With "+accesses" the driver's loads and stores of memory the
-- other side has touched are preemption points too: on some seeds the DPC
-- runs between the thread's load and its store (or the other way round),
-- one increment is lost, and the checked build's NT_ASSERT at unload fails
-- (STATUS_ASSERTION_FAILURE unhandled on a thread: 0x7E).
--
--   drvsim sweep scenarios/races/lost_update_interleave.lua --seeds 1..100
--   drvsim sweep scenarios/races/lost_update_interleave.lua --seeds 1..100 --sched random
--
-- The seed below is one the first sweep found; lost_update_interlocked.lua,
-- the same driver with InterlockedIncrement, is clean on every seed.
scenario {
  verifier = "/standard /driver stats.sys",
  build    = "checked",
  cpus     = 2,
  sched    = "random+accesses",
  seed     = 7,
  expect   = { bugcheck = 0x7E, p1 = STATUS_ASSERTION_FAILURE, driver = "stats.sys" },
}

STATS_INTERLOCKED = false
driver "stats.sys" "drivers/stats.lua"

run(function()
  LoadDriver "stats.sys"
  UnloadDriver "stats.sys"
end)
