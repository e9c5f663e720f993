-- io2_null_device_clean: nullfwd.sys, fixed: it forwards to Lower. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver nullfwd.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "nullfwd.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "nullfwd.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_PNP_DEVICE_STATE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "nullfwd.sys"
  UnloadDriver "pnpbus.sys"
end)
