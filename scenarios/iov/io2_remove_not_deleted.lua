-- io2_remove_not_deleted: remkeep.sys detaches from the PDO on IRP_MN_REMOVE_DEVICE but keeps its
-- device object "for the next arrival": a removed device's object must go. I/O verification checks
-- the device when the dispatch routine returns (0xC9, P1 = 0x21E, a WDM DRIVER ERROR; P2 the
-- dispatch routine, P3 the IRP, P4 the device object).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver remkeep.sys",
  expect = { bugcheck = 0xC9, p1 = 0x21E, driver = "remkeep.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_REMOVE_DEVICE then
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoSkipCurrentIrpStackLocation(Irp)
      local status = IoCallDriver(Lower, Irp)
      IoDetachDevice(Lower)
      return status   -- BUG: IoDeleteDevice missing
    end
  end,
  Unload = function(DriverObject)
    IoDeleteDevice(Fdo)   -- what IRP_MN_REMOVE_DEVICE left
  end,
}
driver "remkeep.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "remkeep.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "remkeep.sys"
  UnloadDriver "pnpbus.sys"
end)
