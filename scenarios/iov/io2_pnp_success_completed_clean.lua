-- io2_pnp_success_completed_clean: qstopok.sys, fixed: it sets STATUS_SUCCESS and passes the IRP
-- down. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver qstopok.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "qstopok.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "qstopok.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_STOP_DEVICE)
  SendPnp(Fdo, IRP_MN_CANCEL_STOP_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "qstopok.sys"
  UnloadDriver "pnpbus.sys"
end)
