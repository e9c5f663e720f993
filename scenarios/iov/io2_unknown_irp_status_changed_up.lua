-- io2_unknown_irp_status_changed_up: pnpfix.sys sets a completion routine on every PnP IRP that
-- turns STATUS_NOT_SUPPORTED into STATUS_SUCCESS on the way up ("nobody objected"), also on minor
-- codes it does not know: it claims an IRP nobody handled. I/O verification compares the status
-- when the completion routine returns (0xC9, P1 = 0x23B, a WDM DRIVER ERROR; P2 the completion
-- routine, P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pnpfix.sys",
  expect = { bugcheck = 0xC9, p1 = 0x23B, driver = "pnpfix.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor ~= IRP_MN_REMOVE_DEVICE then
      IoCopyCurrentIrpStackLocationToNext(Irp)
      IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
        if Irp.IoStatus.Status == STATUS_NOT_SUPPORTED then
          Irp.IoStatus.Status = STATUS_SUCCESS   -- BUG: also for minor codes it does not know
        end
        return STATUS_SUCCESS
      end, nil, true, true, true)
      return IoCallDriver(Lower, Irp)
    end
  end,
}
driver "pnpfix.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pnpfix.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, 0xFF)   -- a minor code wdm.h does not define
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pnpfix.sys"
  UnloadDriver "pnpbus.sys"
end)
