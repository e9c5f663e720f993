-- io2_must_succeed_failed: cancfail.sys fails IRP_MN_CANCEL_REMOVE_DEVICE with STATUS_UNSUCCESSFUL
-- when it finds no removal under way to cancel. A cancel must succeed: the PnP manager restarts
-- the device on it. I/O verification reports the failure when the driver completes the IRP (0xC9,
-- P1 = 0x247, a WDM DRIVER ERROR; P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver cancfail.sys",
  expect = { bugcheck = 0xC9, p1 = 0x247, driver = "cancfail.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_REMOVE_DEVICE then
      Removing = true
    elseif Minor == IRP_MN_CANCEL_REMOVE_DEVICE and Removing then   -- BUG: inverted test
      Irp.IoStatus.Status = STATUS_UNSUCCESSFUL
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_UNSUCCESSFUL
    end
  end,
}
driver "cancfail.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "cancfail.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_REMOVE_DEVICE)
  SendPnp(Fdo, IRP_MN_CANCEL_REMOVE_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "cancfail.sys"
  UnloadDriver "pnpbus.sys"
end)
