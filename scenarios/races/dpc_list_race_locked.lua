-- dpc_list_race_locked: netq.sys with the fix: the dispatch thread and the
-- DPC both hold the queue's spin lock around their list operations, so no
-- interleaving of the two processors can corrupt the queue. Every seed is
-- clean (the CLI suite sweeps a range of them).
scenario {
  verifier = "/standard /driver netq.sys",
  cpus     = 2,
  expect   = "clean",
}

NETQ_USE_LOCK = true
driver "netq.sys" "drivers/netq.lua"

run(function()
  LoadDriver "netq.sys"
  Sleep "1s"
  UnloadDriver "netq.sys"
end)
