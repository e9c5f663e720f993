-- io2_power_untouched_completed: nowake.sys cannot wake the system, so it completes
-- IRP_MN_WAIT_WAKE as it came, instead of passing it down: the bus driver, which arms wake, never
-- sees it. I/O verification checks who completed it (0xC9, P1 = 0x232, a WDM DRIVER ERROR; P3 the
-- IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver nowake.sys",
  expect = { bugcheck = 0xC9, p1 = 0x232, driver = "nowake.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Power = function(DeviceObject, Irp)
    if IoGetCurrentIrpStackLocation(Irp).MinorFunction == IRP_MN_WAIT_WAKE then
      PoStartNextPowerIrp(Irp)
      local status = Irp.IoStatus.Status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)   -- BUG: passed down, not completed
      return status
    end
  end,
}
driver "nowake.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "nowake.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPower(Fdo, IRP_MN_WAIT_WAKE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "nowake.sys"
  UnloadDriver "pnpbus.sys"
end)
