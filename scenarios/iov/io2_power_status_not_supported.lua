-- io2_power_status_not_supported: pwrlow.sys, a lower filter under pnpfilt.sys, sets
-- STATUS_NOT_SUPPORTED on every IRP_MN_SET_POWER it passes down, erasing the STATUS_SUCCESS the
-- filter above set. I/O verification checks the status when the IRP is forwarded (0xC9, P1 =
-- 0x21A, a WDM DRIVER ERROR; P3 the IRP, P4 the status it had).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrlow.sys",
  expect = { bugcheck = 0xC9, p1 = 0x21A, driver = "pwrlow.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"
driver "pnpfilt.sys" "drivers/pnpfilt.lua"

PnpFdo = {
  Power = function(DeviceObject, Irp)
    if IoGetCurrentIrpStackLocation(Irp).MinorFunction == IRP_MN_SET_POWER then
      Irp.IoStatus.Status = STATUS_NOT_SUPPORTED   -- BUG: erases the upper driver's answer
    end
  end,
}
driver "pwrlow.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pwrlow.sys"
  LoadDriver "pnpfilt.sys"
  local Top = IoGetAttachedDeviceReference(BusPdo)
  SendPnp(Top, IRP_MN_START_DEVICE)
  SendPower(Top, IRP_MN_SET_POWER, function(Stack)
    Stack.Parameters.Power.Type = DevicePowerState
    Stack.Parameters.Power.State.DeviceState = 1   -- PowerDeviceD0
  end)
  SendPnp(Top, IRP_MN_REMOVE_DEVICE)
  ObDereferenceObject(Top)
  UnloadDriver "pnpfilt.sys"
  UnloadDriver "pwrlow.sys"
  UnloadDriver "pnpbus.sys"
end)
