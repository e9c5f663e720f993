-- io2_unknown_irp_status_changed: pnpok.sys marks every PnP IRP it passes down STATUS_SUCCESS,
-- even minor codes it does not know (Driver Verifier's probes): it claims an IRP nobody handled.
-- I/O verification compares the status with what the driver was given when it forwards the IRP
-- (0xC9, P1 = 0x213, a WDM DRIVER ERROR; P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pnpok.sys",
  expect = { bugcheck = 0xC9, p1 = 0x213, driver = "pnpok.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    Irp.IoStatus.Status = STATUS_SUCCESS   -- BUG: also for minor codes it does not know
  end,
}
driver "pnpok.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pnpok.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, 0xFF)   -- a minor code wdm.h does not define
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pnpok.sys"
  UnloadDriver "pnpbus.sys"
end)
