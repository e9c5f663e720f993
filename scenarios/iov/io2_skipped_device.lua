-- io2_skipped_device: skipflt.sys, attached over pnpfilt.sys, sends IRP_MN_START_DEVICE straight
-- to the PDO it knows, BusPdo, not to the device IoAttachDeviceToDeviceStack returned: the filter
-- between never sees the start. I/O verification checks where the IRP goes when it is forwarded
-- (0xC9, P1 = 0x211, a WDM DRIVER ERROR; P3 the IRP, P4 the device it was sent to).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver skipflt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x211, driver = "skipflt.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"
driver "pnpfilt.sys" "drivers/pnpfilt.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_START_DEVICE then
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(BusPdo, Irp)   -- BUG: past the filter below
    end
  end,
}
driver "skipflt.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pnpfilt.sys"
  LoadDriver "skipflt.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "skipflt.sys"
  UnloadDriver "pnpfilt.sys"
  UnloadDriver "pnpbus.sys"
end)
