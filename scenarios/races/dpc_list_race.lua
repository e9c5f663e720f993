-- dpc_list_race: netq.sys as first written: the dispatch thread queues
-- requests with InsertTailList while the timer DPC on the other processor
-- drains the queue with RemoveHeadList, and neither takes the lock.
--
-- InsertTailList and RemoveHeadList are inline code: loads, then stores.
-- On most seeds the two processors never meet inside them and the run is
-- clean. Sweep the seeds and a few interleave badly: a request the DPC
-- unlinked is linked back as the tail, the queue's links stop agreeing, and
-- the next list operation fails fast (0x139, P1 = 3); or a request is lost
-- and pool tracking reports it at unload (0xC4/0x62); or, as /standard puts
-- each request on a special pool page, the DPC touches a request already
-- freed (0xD5).
--
--   drvsim sweep scenarios/races/dpc_list_race.lua --seeds 1..1000
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
