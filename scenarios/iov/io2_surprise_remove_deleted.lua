-- io2_surprise_remove_deleted: surpdel.sys tears its device down as soon as
-- IRP_MN_SURPRISE_REMOVAL arrives: it detaches and deletes it there. The device object must stay
-- until IRP_MN_REMOVE_DEVICE (handles may still be open). I/O verification checks the device when
-- the dispatch routine returns (0xC9, P1 = 0x242, a WDM DRIVER ERROR; P2 the dispatch routine, P3
-- the IRP, P4 the device object).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver surpdel.sys",
  expect = { bugcheck = 0xC9, p1 = 0x242, driver = "surpdel.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_SURPRISE_REMOVAL then
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoSkipCurrentIrpStackLocation(Irp)
      local status = IoCallDriver(Lower, Irp)
      IoDetachDevice(Lower)          -- BUG: waits for IRP_MN_REMOVE_DEVICE
      IoDeleteDevice(DeviceObject)   -- BUG
      return status
    end
  end,
}
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
