-- lost_update_interlocked: lost_update_interleave.lua's stats.sys with the
-- fix: both sides count TotalPackets with InterlockedIncrement, one atomic
-- read-modify-write. With "+accesses" the two sides still interleave at
-- every load and store of the statistics they share, and the count is
-- right on every seed:
--
--   drvsim sweep scenarios/races/lost_update_interlocked.lua --seeds 1..100
scenario {
  verifier = "/standard /driver stats.sys",
  build    = "checked",
  cpus     = 2,
  sched    = "random+accesses",
  seed     = 7,
  expect   = "clean",
}

STATS_INTERLOCKED = true
driver "stats.sys" "drivers/stats.lua"

run(function()
  LoadDriver "stats.sys"
  UnloadDriver "stats.sys"
end)
