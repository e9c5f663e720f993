-- io2_device_initializing: initflag.sys's AddDevice work never clears DO_DEVICE_INITIALIZING on
-- its device: the I/O manager refuses to open it, and the stack starts with it set. I/O
-- verification checks the device when IRP_MN_START_DEVICE reaches it (the PnP manager sends it
-- right after AddDevice) (0xC9, P1 = 0x243, a WDM DRIVER ERROR; P2 the dispatch routine, P3 the
-- IRP, P4 the device object).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver initflag.sys",
  expect = { bugcheck = 0xC9, p1 = 0x243, driver = "initflag.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Flags = function(fdo, Lower)
    return fdo.Flags | (Lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE))
    -- BUG: DO_DEVICE_INITIALIZING stays set
  end,
}
driver "initflag.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "initflag.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "initflag.sys"
  UnloadDriver "pnpbus.sys"
end)
