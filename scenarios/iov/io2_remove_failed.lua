-- io2_remove_failed: remfail.sys refuses IRP_MN_REMOVE_DEVICE while it still holds requests: it
-- completes the remove with STATUS_DEVICE_BUSY. A remove cannot fail (the PnP manager has already
-- decided); I/O verification reports the failure status when the driver completes the IRP (0xC9,
-- P1 = 0x306, a WDM DRIVER ERROR; P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver remfail.sys",
  expect = { bugcheck = 0xC9, p1 = 0x306, driver = "remfail.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    Busy = true
  end,
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_REMOVE_DEVICE and Busy then
      Irp.IoStatus.Status = STATUS_DEVICE_BUSY   -- BUG: a remove must not fail
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_DEVICE_BUSY
    end
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
