-- io2_unknown_irp_information_changed: pnpinfo.sys clears IoStatus.Information on every PnP IRP it
-- passes down ("no data from us"), which throws away what another driver may have put there, on
-- minor codes it does not know too. I/O verification compares Information with what the driver was
-- given when it forwards the IRP (0xC9, P1 = 0x214, a WDM DRIVER ERROR; P3 the IRP, P4 the
-- Information).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pnpinfo.sys",
  expect = { bugcheck = 0xC9, p1 = 0x214, driver = "pnpinfo.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    Irp.IoStatus.Information = 0x10   -- BUG: "the reply is 16 bytes", whatever the IRP
  end,
}
driver "pnpinfo.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pnpinfo.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, 0xFF)   -- a minor code wdm.h does not define
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pnpinfo.sys"
  UnloadDriver "pnpbus.sys"
end)
