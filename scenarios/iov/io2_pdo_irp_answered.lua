-- io2_pdo_irp_answered: busans.sys answers IRP_MN_QUERY_BUS_INFORMATION itself (it knows its
-- device sits on a PCI bus) instead of passing it to the PDO, whose bus driver owns the answer.
-- I/O verification checks who completed it (0xC9, P1 = 0x218, a WDM DRIVER ERROR; P3 the IRP, P4
-- the minor code).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver busans.sys",
  expect = { bugcheck = 0xC9, p1 = 0x218, driver = "busans.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_BUS_INFORMATION then
      Irp.IoStatus.Status = STATUS_INSUFFICIENT_RESOURCES   -- BUG: the PDO answers this
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_INSUFFICIENT_RESOURCES
    end
  end,
}
driver "busans.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "busans.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_BUS_INFORMATION)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "busans.sys"
  UnloadDriver "pnpbus.sys"
end)
