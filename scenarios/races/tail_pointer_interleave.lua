-- tail_pointer_interleave: txq.sys's transmit DPC unlinks packets and, when
-- the queue runs empty, clears its tail pointer without the spin lock the
-- send thread appends under (drivers/txq.lua tells the race).
--
-- Under the default scheduling the DPC's unlink never meets an append
-- between a load and a store (processors switch only at DDI calls), so the
-- run is clean on every seed. With "+accesses" the driver's loads and
-- stores of memory both sides have touched are preemption points too, and
-- a sweep finds the seeds where the send path links its packet after one
-- the DPC has just unlinked and freed: under /standard that packet sits on
-- a special pool page, and the store through the stale tail stops the
-- machine (0xD5); or the appended packet is lost, and pool tracking finds
-- it at unload (0xC4, P1 0x62):
--
--   drvsim sweep scenarios/races/tail_pointer_interleave.lua --seeds 1..500
--   drvsim sweep scenarios/races/tail_pointer_interleave.lua --seeds 1..500 --sched random
--
-- The seed below is one the first sweep found; `drvsim shrink` takes its
-- thousands of preemptions down to the two that matter.
-- tail_pointer_locked.lua, the DPC holding the lock, is clean on every seed.
scenario {
  verifier = "/standard /driver txq.sys",
  cpus     = 2,
  sched    = "random+accesses",
  seed     = 14,
  expect   = { bugcheck = 0xD5, driver = "txq.sys" },
}

TXQ_DPC_LOCKED = false
driver "txq.sys" "drivers/txq.lua"

run(function()
  LoadDriver "txq.sys"
  Sleep "50ms"
  UnloadDriver "txq.sys"
end)
