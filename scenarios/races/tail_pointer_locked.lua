-- tail_pointer_locked: tail_pointer_interleave.lua's txq.sys with the fix:
-- the transmit DPC holds the queue's spin lock around each unlink, as the
-- send path does around each append. With "+accesses" the two sides still
-- interleave at every load and store of the queue outside the lock, and
-- the run is clean on every seed:
--
--   drvsim sweep scenarios/races/tail_pointer_locked.lua --seeds 1..500
scenario {
  verifier = "/standard /driver txq.sys",
  cpus     = 2,
  sched    = "random+accesses",
  seed     = 14,
  expect   = "clean",
}

TXQ_DPC_LOCKED = true
driver "txq.sys" "drivers/txq.lua"

run(function()
  LoadDriver "txq.sys"
  Sleep "50ms"
  UnloadDriver "txq.sys"
end)
