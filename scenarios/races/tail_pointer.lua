-- tail_pointer: tailq.sys as first written (drivers/tailq.lua): the producer
-- links a request under the queue's spin lock but moves the tail pointer
-- after releasing it, while the drain DPC resets the tail under the lock.
-- The race detector reports the pair on every seed:
--
--   drvsim sweep scenarios/races/tail_pointer.lua --seeds 1..100   (100 x 0xC4/0xD0030001)
--
-- Without /races most seeds run clean: drvsim switches processors at DDI
-- calls, and nothing lies between the producer's KeReleaseSpinLock and its
-- store. tail_pointer_clean.lua is the fix.
scenario {
  verifier = "/standard /races /driver tailq.sys",
  cpus     = 2,
  expect   = { bugcheck = 0xC4, p1 = 0xD0030001, driver = "tailq.sys" },
}

TAILQ_LOCK_TAIL = false
driver "tailq.sys" "drivers/tailq.lua"

run(function()
  LoadDriver "tailq.sys"
  Sleep "3s"
  UnloadDriver "tailq.sys"
end)
