-- io2_target_relation_not_referenced: minibus.sys answers TargetDeviceRelation with its child's
-- PDO but does not reference it: the PnP manager dereferences what it gets, and the PDO would go
-- early. I/O verification compares the PDO's references when the PDO completes the IRP (0xC9, P1 =
-- 0x22C, a WDM DRIVER ERROR; P3 the IRP, P4 the PDO).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver minibus.sys",
  expect = { bugcheck = 0xC9, p1 = 0x22C, driver = "minibus.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

Minibus = {
  Target = function(Relations, Pdo)
    Relations:set_u32(0, 1)
    Relations:set_ptr(8, Pdo)
    -- BUG: no ObReferenceObject for the caller
  end,
}
driver "minibus.sys" "drivers/minibus.lua"

run(function()
  LoadDriver "minibus.sys"
  SendPnp(ChildPdo, IRP_MN_START_DEVICE)
  QueryRelations(ChildPdo, TargetDeviceRelation)
  UnloadDriver "minibus.sys"
end)
