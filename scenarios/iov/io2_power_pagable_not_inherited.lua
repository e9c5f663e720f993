-- io2_power_pagable_not_inherited: nopagbl.sys copies the I/O flags from the device it attached to
-- but not DO_POWER_PAGABLE: the power manager would send it power IRPs at DISPATCH_LEVEL while the
-- PDO's driver pages. I/O verification checks the device when IRP_MN_START_DEVICE reaches it
-- (0xC9, P1 = 0x23F, a WDM DRIVER ERROR; P2 the dispatch routine, P3 the IRP, P4 the device
-- object).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver nopagbl.sys",
  expect = { bugcheck = 0xC9, p1 = 0x23F, driver = "nopagbl.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Flags = function(fdo, Lower)
    return (fdo.Flags | (Lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO)))   -- BUG: DO_POWER_PAGABLE
           & ~DO_DEVICE_INITIALIZING
  end,
}
driver "nopagbl.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "nopagbl.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "nopagbl.sys"
  UnloadDriver "pnpbus.sys"
end)
