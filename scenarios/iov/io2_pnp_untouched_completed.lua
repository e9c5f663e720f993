-- io2_pnp_untouched_completed: pnpdflt.sys's PnP dispatch ends in a default branch that completes
-- every IRP it does not handle with the status it came with, instead of passing it down: the PDO
-- never sees IRP_MN_QUERY_PNP_DEVICE_STATE. I/O verification checks who completed it (0xC9, P1 =
-- 0x22F, a WDM DRIVER ERROR; P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pnpdflt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x22F, driver = "pnpdflt.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Pnp = function(DeviceObject, Irp, Minor)
    if Minor == IRP_MN_QUERY_PNP_DEVICE_STATE then
      local status = Irp.IoStatus.Status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)   -- BUG: passed down, not completed
      return status
    end
  end,
}
driver "pnpdflt.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pnpdflt.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_QUERY_PNP_DEVICE_STATE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pnpdflt.sys"
  UnloadDriver "pnpbus.sys"
end)
