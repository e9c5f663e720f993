-- io2_required_irp_not_handled: qrnoset.sys passes IRP_MN_QUERY_REMOVE_DEVICE down without saying
-- whether it agrees: IoStatus.Status is still the STATUS_NOT_SUPPORTED the PnP manager sent. Each
-- driver sets STATUS_SUCCESS (or fails the IRP). I/O verification checks the status when the IRP
-- is forwarded (0xC9, P1 = 0x217, a WDM DRIVER ERROR; P3 the IRP, P4 the minor code).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver qrnoset.sys",
  expect = { bugcheck = 0xC9, p1 = 0x217, driver = "qrnoset.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    Handled[IRP_MN_QUERY_REMOVE_DEVICE] = nil   -- BUG: "nothing to do"
  end,
}
driver "qrnoset.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "qrnoset.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_REMOVE_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "qrnoset.sys"
  UnloadDriver "pnpbus.sys"
end)
