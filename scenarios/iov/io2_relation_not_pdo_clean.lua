-- io2_relation_not_pdo_clean: remrel.sys, fixed: it names the PDO of the related device. Clean
-- under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver remrel.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_DEVICE_RELATIONS
        and IoGetCurrentIrpStackLocation(Irp).Parameters.QueryDeviceRelations.Type
            == RemovalRelations then
      local Relations = ExAllocatePoolWithTag(PagedPool, 16, "Rels")
      if Relations ~= nil then
        Relations:set_u32(0, 1)
        Relations:set_ptr(8, BusPdo)   -- the related device's PDO
        ObReferenceObject(BusPdo)
        Irp.IoStatus.Information = Relations
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
    end
  end,
}
driver "remrel.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "remrel.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  QueryRelations(Fdo, RemovalRelations)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "remrel.sys"
  UnloadDriver "pnpbus.sys"
end)
