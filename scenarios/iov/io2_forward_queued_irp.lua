-- io2_forward_queued_irp: pollflt.sys sends its own poll IRP to slowdev.sys, which holds it
-- pending until the hardware answers, and then sends it again "to be sure" while slowdev.sys still
-- has it. I/O verification checks who holds the IRP when it is sent (0xC9, P1 = 0x205, a WDM
-- DRIVER ERROR; P3 the IRP, P4 the device holding it).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pollflt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x205, driver = "pollflt.sys" },
}

driver "slowdev.sys" "drivers/slowdev.lua"

PollFlt = {
  Sent = function(PollIrp)
    IoCallDriver(Lower, PollIrp)   -- BUG: slowdev.sys still holds it
  end,
}
driver "pollflt.sys" "drivers/pollflt.lua"

run(function()
  LoadDriver "slowdev.sys"
  LoadDriver "pollflt.sys"
  UnloadDriver "pollflt.sys"
  UnloadDriver "slowdev.sys"
end)
