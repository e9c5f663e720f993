-- io2_remove_not_deleted_clean: remkeep.sys, fixed: it deletes its device object after
-- IoDetachDevice on IRP_MN_REMOVE_DEVICE. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver remkeep.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "remkeep.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "remkeep.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "remkeep.sys"
  UnloadDriver "pnpbus.sys"
end)
