-- io2_pdo_ignored_required_irp_clean: minibus.sys, fixed: its PDO succeeds
-- IRP_MN_QUERY_STOP_DEVICE. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver minibus.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "minibus.sys" "drivers/minibus.lua"

run(function()
  LoadDriver "minibus.sys"
  SendPnp(ChildPdo, IRP_MN_START_DEVICE)
  SendPnp(ChildPdo, IRP_MN_QUERY_STOP_DEVICE)
  SendPnp(ChildPdo, IRP_MN_CANCEL_STOP_DEVICE)
  UnloadDriver "minibus.sys"
end)
