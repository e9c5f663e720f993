-- io2_io_flags_not_inherited: noioflag.sys copies DO_POWER_PAGABLE from the device it attached to
-- but not DO_BUFFERED_IO: the I/O manager would hand it user buffers the PDO's driver expects
-- buffered. I/O verification checks the device when IRP_MN_START_DEVICE reaches it (0xC9, P1 =
-- 0x244, a WDM DRIVER ERROR; P2 the dispatch routine, P3 the IRP, P4 the device object).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver noioflag.sys",
  expect = { bugcheck = 0xC9, p1 = 0x244, driver = "noioflag.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Flags = function(fdo, Lower)
    return (fdo.Flags | (Lower.Flags & DO_POWER_PAGABLE))   -- BUG: DO_BUFFERED_IO not copied
           & ~DO_DEVICE_INITIALIZING
  end,
}
driver "noioflag.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "noioflag.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "noioflag.sys"
  UnloadDriver "pnpbus.sys"
end)
