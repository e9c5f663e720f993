-- io2_power_failure_passed_down_clean: pwrveto.sys, fixed: it completes the refused
-- IRP_MN_QUERY_POWER with its failure. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrveto.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    Busy = true
  end,
  Power = function(DeviceObject, Irp)
    if IoGetCurrentIrpStackLocation(Irp).MinorFunction == IRP_MN_QUERY_POWER and Busy then
      Irp.IoStatus.Status = STATUS_UNSUCCESSFUL
      PoStartNextPowerIrp(Irp)
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_UNSUCCESSFUL
    end
  end,
}
driver "pwrveto.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pwrveto.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPower(Fdo, IRP_MN_QUERY_POWER, function(Stack)
    Stack.Parameters.Power.Type = DevicePowerState
    Stack.Parameters.Power.State.DeviceState = 4   -- PowerDeviceD3
  end)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pwrveto.sys"
  UnloadDriver "pnpbus.sys"
end)
