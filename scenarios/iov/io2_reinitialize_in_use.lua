-- io2_reinitialize_in_use: pollflt.sys sends its own poll IRP to slowdev.sys, which holds it
-- pending, and then calls IoReuseIrp on it to prepare the next poll while slowdev.sys still has
-- it. I/O verification checks that the IRP is back with its owner (0xC9, P1 = 0x310, a WDM DRIVER
-- ERROR; P3 the IRP).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pollflt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x310, driver = "pollflt.sys" },
}

driver "slowdev.sys" "drivers/slowdev.lua"

PollFlt = {
  Sent = function(PollIrp)
    IoReuseIrp(PollIrp, STATUS_SUCCESS)   -- BUG: slowdev.sys still holds it
  end,
}
driver "pollflt.sys" "drivers/pollflt.lua"

run(function()
  LoadDriver "slowdev.sys"
  LoadDriver "pollflt.sys"
  UnloadDriver "pollflt.sys"
  UnloadDriver "slowdev.sys"
end)
