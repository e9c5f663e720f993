-- io2_power_unknown_completed: pwrunk.sys fails the power IRPs whose minor code it does not know
-- (past IRP_MN_QUERY_POWER, as Driver Verifier sends to probe) instead of passing them down. I/O
-- verification checks who completed it (0xC9, P1 = 0x230, a WDM DRIVER ERROR; P3 the IRP, P4 the
-- minor code).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrunk.sys",
  expect = { bugcheck = 0xC9, p1 = 0x230, driver = "pwrunk.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Power = function(DeviceObject, Irp)
    if IoGetCurrentIrpStackLocation(Irp).MinorFunction > IRP_MN_QUERY_POWER then
      PoStartNextPowerIrp(Irp)
      Irp.IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST   -- BUG: not ours to fail
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_INVALID_DEVICE_REQUEST
    end
  end,
}
driver "pwrunk.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pwrunk.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPower(Fdo, 0x7F)   -- a minor code wdm.h does not define
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pwrunk.sys"
  UnloadDriver "pnpbus.sys"
end)
