-- io2_target_relation_not_filled: minibus.sys answers TargetDeviceRelation for its child's PDO
-- with a relation list whose count is 1 but whose entry it never set: the PnP manager needs the
-- PDO there. I/O verification checks the list when the PDO completes the IRP (0xC9, P1 = 0x22B, a
-- WDM DRIVER ERROR; P3 the IRP, P4 the PDO).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver minibus.sys",
  expect = { bugcheck = 0xC9, p1 = 0x22B, driver = "minibus.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

Minibus = {
  Target = function(Relations, Pdo)
    Relations:set_u32(0, 1)
    -- BUG: Objects[0] not set
    ObReferenceObject(Pdo)   -- the caller's reference
  end,
}
driver "minibus.sys" "drivers/minibus.lua"

run(function()
  LoadDriver "minibus.sys"
  SendPnp(ChildPdo, IRP_MN_START_DEVICE)
  QueryRelations(ChildPdo, TargetDeviceRelation)
  UnloadDriver "minibus.sys"
end)
