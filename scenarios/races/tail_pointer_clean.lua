-- tail_pointer_clean: tailq.sys fixed (drivers/tailq.lua): the producer
-- moves the tail pointer before releasing the queue's spin lock, so every
-- access to the queue's head and tail is made under the lock and the race
-- detector reports nothing, on any seed.
scenario {
  verifier = "/standard /races /driver tailq.sys",
  cpus     = 2,
  expect   = "clean",
}

TAILQ_LOCK_TAIL = true
driver "tailq.sys" "drivers/tailq.lua"

run(function()
  LoadDriver "tailq.sys"
  Sleep "3s"
  UnloadDriver "tailq.sys"
end)
