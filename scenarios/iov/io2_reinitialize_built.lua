-- io2_reinitialize_built: pollflt.sys calls IoReuseIrp on each poll IRP that
-- IoBuildDeviceIoControlRequest built, "to start it clean": the I/O manager owns and frees such an
-- IRP, and IoReuseIrp loses what it recorded (the thread, the event, the buffers). I/O
-- verification checks where the IRP came from (0xC9, P1 = 0x311, a WDM DRIVER ERROR; P3 the IRP).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pollflt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x311, driver = "pollflt.sys" },
}

driver "slowdev.sys" "drivers/slowdev.lua"

PollFlt = {
  Polls = "built",
  Built = function(Irp)
    IoReuseIrp(Irp, STATUS_SUCCESS)   -- BUG: the I/O manager built it, and frees it
  end,
}
driver "pollflt.sys" "drivers/pollflt.lua"

run(function()
  LoadDriver "slowdev.sys"
  LoadDriver "pollflt.sys"
  UnloadDriver "pollflt.sys"
  UnloadDriver "slowdev.sys"
end)
