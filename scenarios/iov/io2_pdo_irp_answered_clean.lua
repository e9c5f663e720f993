-- io2_pdo_irp_answered_clean: busans.sys, fixed: IRP_MN_QUERY_BUS_INFORMATION passes down to the
-- PDO. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver busans.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "busans.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "busans.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_BUS_INFORMATION)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "busans.sys"
  UnloadDriver "pnpbus.sys"
end)
