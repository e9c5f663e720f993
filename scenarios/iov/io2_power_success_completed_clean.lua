-- io2_power_success_completed_clean: pwrself.sys, fixed: it sets STATUS_SUCCESS and passes
-- IRP_MN_SET_POWER down with PoCallDriver. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrself.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Power = function(DeviceObject, Irp)
    if IoGetCurrentIrpStackLocation(Irp).MinorFunction == IRP_MN_SET_POWER then
      Irp.IoStatus.Status = STATUS_SUCCESS
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
