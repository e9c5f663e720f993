-- io2_power_success_completed: pwrself.sys completes IRP_MN_SET_POWER with STATUS_SUCCESS once its
-- own device state is saved, without passing it down: the bus driver never powers the hardware.
-- I/O verification checks who completed it (0xC9, P1 = 0x231, a WDM DRIVER ERROR; P3 the IRP, P4
-- the minor code).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrself.sys",
  expect = { bugcheck = 0xC9, p1 = 0x231, driver = "pwrself.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Power = function(DeviceObject, Irp)
    if IoGetCurrentIrpStackLocation(Irp).MinorFunction == IRP_MN_SET_POWER then
      PoStartNextPowerIrp(Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)   -- BUG: the bus driver never sees it
      return STATUS_SUCCESS
    end
  end,
}
driver "pwrself.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pwrself.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPower(Fdo, IRP_MN_SET_POWER, function(Stack)
    Stack.Parameters.Power.Type = DevicePowerState
    Stack.Parameters.Power.State.DeviceState = 1   -- PowerDeviceD0
  end)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pwrself.sys"
  UnloadDriver "pnpbus.sys"
end)
