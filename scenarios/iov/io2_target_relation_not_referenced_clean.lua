-- io2_target_relation_not_referenced_clean: minibus.sys, fixed: ObReferenceObject on the PDO it
-- returns. Clean under /standard.
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
  QueryRelations(ChildPdo, TargetDeviceRelation)
  UnloadDriver "minibus.sys"
end)
