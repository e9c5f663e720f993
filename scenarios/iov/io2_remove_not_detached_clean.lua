-- io2_remove_not_detached_clean: remstay.sys, fixed: after passing IRP_MN_REMOVE_DEVICE down it
-- calls IoDetachDevice and IoDeleteDevice. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver remstay.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "remstay.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "remstay.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "remstay.sys"
  UnloadDriver "pnpbus.sys"
end)
