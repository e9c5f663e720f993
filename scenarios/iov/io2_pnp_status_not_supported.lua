-- io2_pnp_status_not_supported: lowfilt.sys, a lower filter under pnpfilt.sys, sets
-- STATUS_NOT_SUPPORTED on IRP_MN_QUERY_STOP_DEVICE ("not our business") before passing it down,
-- erasing the STATUS_SUCCESS the filter above set. STATUS_NOT_SUPPORTED is the system's; a driver
-- fails with another status. I/O verification checks the status when the IRP is forwarded (0xC9,
-- P1 = 0x216, a WDM DRIVER ERROR; P3 the IRP, P4 the status it had).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver lowfilt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x216, driver = "lowfilt.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"
driver "pnpfilt.sys" "drivers/pnpfilt.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_STOP_DEVICE then
      Irp.IoStatus.Status = STATUS_NOT_SUPPORTED   -- BUG: erases the upper driver's answer
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
  end,
}
driver "lowfilt.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "lowfilt.sys"
  LoadDriver "pnpfilt.sys"
  local Top = IoGetAttachedDeviceReference(BusPdo)
  SendPnp(Top, IRP_MN_START_DEVICE)
  SendPnp(Top, IRP_MN_QUERY_STOP_DEVICE)
  SendPnp(Top, IRP_MN_CANCEL_STOP_DEVICE)
  SendPnp(Top, IRP_MN_REMOVE_DEVICE)
  ObDereferenceObject(Top)
  UnloadDriver "pnpfilt.sys"
  UnloadDriver "lowfilt.sys"
  UnloadDriver "pnpbus.sys"
end)
