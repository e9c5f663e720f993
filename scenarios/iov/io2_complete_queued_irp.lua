-- io2_complete_queued_irp: pollflt.sys sends its own poll IRP to slowdev.sys, which holds it
-- pending until the hardware answers, and gives up at once by completing it itself while
-- slowdev.sys still has it (the device's completion would follow). A request held below is
-- cancelled (IoCancelIrp), not completed. I/O verification checks who holds the IRP when it is
-- completed (0xC9, P1 = 0x209, a WDM DRIVER ERROR; P3 the IRP, P4 the device holding it).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pollflt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x209, driver = "pollflt.sys" },
}

driver "slowdev.sys" "drivers/slowdev.lua"

PollFlt = {
  Sent = function(PollIrp)
    PollIrp.IoStatus.Status = STATUS_IO_TIMEOUT
    IoCompleteRequest(PollIrp, IO_NO_INCREMENT)   -- BUG: slowdev.sys still holds it
  end,
}
driver "pollflt.sys" "drivers/pollflt.lua"

run(function()
  LoadDriver "slowdev.sys"
  LoadDriver "pollflt.sys"
  UnloadDriver "pollflt.sys"
  UnloadDriver "slowdev.sys"
end)
