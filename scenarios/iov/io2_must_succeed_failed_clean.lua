-- io2_must_succeed_failed_clean: cancfail.sys, fixed: IRP_MN_CANCEL_REMOVE_DEVICE always succeeds
-- and passes down. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver cancfail.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_REMOVE_DEVICE then
      Removing = true
    elseif Minor == IRP_MN_CANCEL_REMOVE_DEVICE then
      Removing = false
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
