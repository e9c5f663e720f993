-- io2_remove_failed_clean: remfail.sys, fixed: on IRP_MN_REMOVE_DEVICE it passes the IRP down with
-- STATUS_SUCCESS, then detaches and deletes its device. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver remfail.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    Busy = true
  end,
}
driver "remfail.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "remfail.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "remfail.sys"
  UnloadDriver "pnpbus.sys"
end)
