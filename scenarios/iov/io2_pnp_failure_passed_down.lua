-- io2_pnp_failure_passed_down: stopveto.sys vetoes IRP_MN_QUERY_STOP_DEVICE while a transfer runs:
-- it sets STATUS_UNSUCCESSFUL, then passes the IRP down anyway. A failed PnP IRP is completed, not
-- passed down. I/O verification checks the status when the IRP is forwarded (0xC9, P1 = 0x215, a
-- WDM DRIVER ERROR; P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver stopveto.sys",
  expect = { bugcheck = 0xC9, p1 = 0x215, driver = "stopveto.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    Transferring = true
  end,
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_STOP_DEVICE and Transferring then
      Irp.IoStatus.Status = STATUS_UNSUCCESSFUL
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)   -- BUG: a failed PnP IRP is completed
    end
  end,
}
driver "stopveto.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "stopveto.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_STOP_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "stopveto.sys"
  UnloadDriver "pnpbus.sys"
end)
