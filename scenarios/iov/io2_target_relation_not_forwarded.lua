-- io2_target_relation_not_forwarded: tgtself.sys answers TargetDeviceRelation itself with the PDO
-- it knows, instead of passing the IRP down to the PDO's driver, which owns the answer. I/O
-- verification checks who completed it (0xC9, P1 = 0x24B, a WDM DRIVER ERROR; P3 the IRP, P4 the
-- device object).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver tgtself.sys",
  expect = { bugcheck = 0xC9, p1 = 0x24B, driver = "tgtself.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_DEVICE_RELATIONS
        and IoGetCurrentIrpStackLocation(Irp).Parameters.QueryDeviceRelations.Type
            == TargetDeviceRelation then
      local Relations = ExAllocatePoolWithTag(PagedPool, 16, "Rels")
      if Relations ~= nil then
        Relations:set_u32(0, 1)
        Relations:set_ptr(8, BusPdo)
        ObReferenceObject(BusPdo)
        Irp.IoStatus.Information = Relations
        Irp.IoStatus.Status = STATUS_SUCCESS
        IoCompleteRequest(Irp, IO_NO_INCREMENT)   -- BUG: the PDO's driver answers this
        return STATUS_SUCCESS
      end
    end
  end,
}
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
