-- io2_unknown_irp_status_changed_up_clean: pnpfix.sys, fixed: its completion routine leaves IRPs
-- it does not know alone. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pnpfix.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor ~= IRP_MN_REMOVE_DEVICE then
      IoCopyCurrentIrpStackLocationToNext(Irp)
      IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
        if Irp.IoStatus.Status == STATUS_NOT_SUPPORTED and Handled[Minor] ~= nil then
          Irp.IoStatus.Status = STATUS_SUCCESS
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
