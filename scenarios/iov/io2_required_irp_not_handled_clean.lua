-- io2_required_irp_not_handled_clean: qrnoset.sys, fixed: it sets STATUS_SUCCESS on
-- IRP_MN_QUERY_REMOVE_DEVICE before passing it down. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver qrnoset.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "qrnoset.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "qrnoset.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_REMOVE_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "qrnoset.sys"
  UnloadDriver "pnpbus.sys"
end)
