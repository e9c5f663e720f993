-- io2_cancel_routine_below: pollflt.sys sends its own poll IRP to slowdev.sys, which holds it
-- pending, and then sets a cancel routine of its own on it, so it can cancel the poll at unload:
-- the IRP belongs to slowdev.sys now, whose cancel routine this would replace (the sender cancels
-- with IoCancelIrp). I/O verification checks who holds the IRP (0xC9, P1 = 0x229, a WDM DRIVER
-- ERROR; P3 the IRP, P4 the cancel routine).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pollflt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x229, driver = "pollflt.sys" },
}

driver "slowdev.sys" "drivers/slowdev.lua"

PollFlt = {
  Sent = function(PollIrp)
    IoSetCancelRoutine(PollIrp, function(DeviceObject, Irp)   -- BUG: slowdev.sys holds it
      IoReleaseCancelSpinLock(Irp.CancelIrql)
    end)
  end,
}
driver "pollflt.sys" "drivers/pollflt.lua"

run(function()
  LoadDriver "slowdev.sys"
  LoadDriver "pollflt.sys"
  UnloadDriver "pollflt.sys"
  UnloadDriver "slowdev.sys"
end)
