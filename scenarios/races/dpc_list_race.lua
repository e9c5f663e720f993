-- dpc_list_race: netq.sys as first written: the dispatch thread queues
-- requests with InsertTailList while the timer DPC on the other processor
-- drains the queue with RemoveHeadList, and neither takes the lock.
--
-- InsertTailList and RemoveHeadList are inline code: loads, then stores.
-- On most seeds the two processors never meet inside them and the run is
-- clean. Sweep the seeds and a few interleave badly: a request the DPC
-- unlinked and freed is linked back by a stale store, and as /standard puts
-- each request on a special pool page of its own, the verifier stops at
-- that store (0xD5); or the queue's links stop agreeing and the next list
-- operation fails fast (0x139, P1 = 3). Without the special pool, a lost
-- request shows up at unload instead (pool tracking, 0xC4/0x62).
--
--   drvsim sweep scenarios/races/dpc_list_race.lua --seeds 1..1000
--   (1000 runs: 983 clean, 10 x 0xD5, 7 x 0x139)
--
-- The seed below is one the sweep found; the run replays it exactly.
scenario {
  verifier = "/standard /driver netq.sys",
  cpus     = 2,
  seed     = 81,
  expect   = { bugcheck = 0x139, p1 = 3, driver = "netq.sys" },
}

NETQ_USE_LOCK = false
driver "netq.sys" "drivers/netq.lua"

run(function()
  LoadDriver "netq.sys"
  Sleep "1s"
  UnloadDriver "netq.sys"
end)
