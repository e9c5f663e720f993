-- io2_null_device: nullfwd.sys forwards IRP_MN_QUERY_PNP_DEVICE_STATE to LowerDevice, a global it
-- never set (it keeps the device below in Lower): IoCallDriver gets NULL. I/O verification checks
-- the device object (0xC9, P1 = 0x204, a WDM DRIVER ERROR; P3 the IRP).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver nullfwd.sys",
  expect = { bugcheck = 0xC9, p1 = 0x204, driver = "nullfwd.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_PNP_DEVICE_STATE then
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(LowerDevice, Irp)   -- BUG: never set; the device below is Lower
    end
  end,
}
driver "nullfwd.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "nullfwd.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_PNP_DEVICE_STATE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "nullfwd.sys"
  UnloadDriver "pnpbus.sys"
end)
