-- io2_stack_trashed_clean: halfcopy.sys, fixed: IoCopyCurrentIrpStackLocationToNext writes the
-- next location. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver halfcopy.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_PNP_DEVICE_STATE then
      IoCopyCurrentIrpStackLocationToNext(Irp)
      return IoCallDriver(Lower, Irp)
    end
  end,
}
driver "halfcopy.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "halfcopy.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_PNP_DEVICE_STATE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "halfcopy.sys"
  UnloadDriver "pnpbus.sys"
end)
