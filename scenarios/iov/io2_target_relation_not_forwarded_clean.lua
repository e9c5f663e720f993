-- io2_target_relation_not_forwarded_clean: tgtself.sys, fixed: TargetDeviceRelation passes down to
-- the PDO. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver tgtself.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "tgtself.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "tgtself.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  QueryRelations(Fdo, TargetDeviceRelation)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "tgtself.sys"
  UnloadDriver "pnpbus.sys"
end)
