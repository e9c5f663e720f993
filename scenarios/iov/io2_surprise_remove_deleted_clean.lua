-- io2_surprise_remove_deleted_clean: surpdel.sys, fixed: on IRP_MN_SURPRISE_REMOVAL it only stops
-- its hardware work and passes the IRP down; IRP_MN_REMOVE_DEVICE detaches and deletes. Clean
-- under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver surpdel.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "surpdel.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "surpdel.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_SURPRISE_REMOVAL)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "surpdel.sys"
  UnloadDriver "pnpbus.sys"
end)
