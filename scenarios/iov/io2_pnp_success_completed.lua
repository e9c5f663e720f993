-- io2_pnp_success_completed: qstopok.sys agrees to IRP_MN_QUERY_STOP_DEVICE and completes it with
-- STATUS_SUCCESS itself: the drivers below never get asked. A PnP IRP a driver succeeds goes down
-- the stack. I/O verification checks who completed it (0xC9, P1 = 0x22E, a WDM DRIVER ERROR; P3
-- the IRP, P4 the minor code).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver qstopok.sys",
  expect = { bugcheck = 0xC9, p1 = 0x22E, driver = "qstopok.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_STOP_DEVICE then
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)   -- BUG: the stack below is not asked
      return STATUS_SUCCESS
    end
  end,
}
driver "qstopok.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "qstopok.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_STOP_DEVICE)
  SendPnp(Fdo, IRP_MN_CANCEL_STOP_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "qstopok.sys"
  UnloadDriver "pnpbus.sys"
end)
