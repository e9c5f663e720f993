-- io2_power_failure_passed_down: pwrveto.sys refuses IRP_MN_QUERY_POWER while its device is busy:
-- it sets STATUS_UNSUCCESSFUL, then passes the IRP down anyway. A failed power IRP is completed.
-- I/O verification checks the status when the IRP is forwarded (0xC9, P1 = 0x219, a WDM DRIVER
-- ERROR; P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrveto.sys",
  expect = { bugcheck = 0xC9, p1 = 0x219, driver = "pwrveto.sys" },
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
      IoSkipCurrentIrpStackLocation(Irp)
      return PoCallDriver(Lower, Irp)   -- BUG: a failed power IRP is completed
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
