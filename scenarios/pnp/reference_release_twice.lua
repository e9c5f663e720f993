-- reference_release_twice: the reference pair with its lower filter's
-- IRP_MN_QUERY_CAPABILITIES path releasing the remove lock twice
-- (PnpFltVariant = "release_twice"): the device's arrival reaches it.
-- The second IoReleaseRemoveLock has no acquisition left under its tag: I/O
-- verification (in /standard) stops there, 0xC4/0xD5.
scenario {
  verifier = "/standard /iolevel 2 /driver pnpref.sys pnpflt.sys",
  cpus = 2,
  devices = {
    { name = "ref", hardware_id = "ROOT\\PNPREF", driver = "pnpref.sys",
      lower_filters = { "pnpflt.sys" } },
  },
  expect = { bugcheck = 0xC4, p1 = 0xD5, driver = "pnpflt.sys" },
}

PnpFltVariant = "release_twice"
driver "pnpref.sys" "drivers/pnpref.lua"
driver "pnpflt.sys" "drivers/pnpflt.lua"

run(function()
  PlugDevice "ref"
end)
