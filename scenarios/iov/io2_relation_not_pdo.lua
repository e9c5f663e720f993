-- io2_relation_not_pdo: remrel.sys reports its removal relations (the devices that go with it) and
-- names its own device object: relations name PDOs, the PnP manager builds device nodes from them.
-- I/O verification checks the list when the IRP is passed down with it (0xC9, P1 = 0x248, a WDM
-- DRIVER ERROR; P3 the IRP, P4 the device named).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver remrel.sys",
  expect = { bugcheck = 0xC9, p1 = 0x248, driver = "remrel.sys" },
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
        Relations:set_ptr(8, DeviceObject)   -- BUG: its own device, not a PDO
        ObReferenceObject(DeviceObject)
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
