-- io2_remove_not_detached: remstay.sys passes IRP_MN_REMOVE_DEVICE down and returns, but neither
-- detaches from the PDO nor deletes its device: the stack cannot be torn down. I/O verification
-- checks the device when the dispatch routine returns (0xC9, P1 = 0x21D, a WDM DRIVER ERROR; P2
-- the dispatch routine, P3 the IRP, P4 the device object).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver remstay.sys",
  expect = { bugcheck = 0xC9, p1 = 0x21D, driver = "remstay.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_REMOVE_DEVICE then
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)   -- BUG: no IoDetachDevice, no IoDeleteDevice
    end
  end,
}
driver "remstay.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "remstay.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "remstay.sys"
  UnloadDriver "pnpbus.sys"
end)
