-- io2_buffered_and_direct: bothio.sys sets DO_DIRECT_IO on its device on top of the DO_BUFFERED_IO
-- it copied from the PDO: the two are exclusive. I/O verification checks the device when
-- IRP_MN_START_DEVICE reaches it (0xC9, P1 = 0x245, a WDM DRIVER ERROR; P2 the dispatch routine,
-- P3 the IRP, P4 the device object).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver bothio.sys",
  expect = { bugcheck = 0xC9, p1 = 0x245, driver = "bothio.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Flags = function(fdo, Lower)
    return (fdo.Flags | (Lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE))
            | DO_DIRECT_IO) & ~DO_DEVICE_INITIALIZING   -- BUG: both buffered and direct
  end,
}
driver "bothio.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "bothio.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "bothio.sys"
  UnloadDriver "pnpbus.sys"
end)
