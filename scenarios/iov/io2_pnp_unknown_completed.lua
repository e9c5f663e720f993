-- io2_pnp_unknown_completed: pnpunk.sys fails the PnP IRPs it does not know (a minor code past
-- IRP_MN_DEVICE_ENUMERATED, as Driver Verifier sends to probe) with STATUS_INVALID_DEVICE_REQUEST.
-- Unknown PnP IRPs go down untouched: a lower driver may know them. I/O verification checks who
-- completed it (0xC9, P1 = 0x22D, a WDM DRIVER ERROR; P3 the IRP, P4 the minor code).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pnpunk.sys",
  expect = { bugcheck = 0xC9, p1 = 0x22D, driver = "pnpunk.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor > IRP_MN_DEVICE_ENUMERATED then
      Irp.IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST   -- BUG: not ours to fail
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_INVALID_DEVICE_REQUEST
    end
  end,
}
driver "pnpunk.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pnpunk.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, 0xFF)   -- a minor code wdm.h does not define
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pnpunk.sys"
  UnloadDriver "pnpbus.sys"
end)
