-- io2_missing_dispatch: nopower.sys fills in IRP_MJ_PNP but no IRP_MJ_POWER dispatch routine ("the
-- device has no power management"): the power manager's IRP_MN_SET_POWER fails in the I/O
-- manager's invalid-request routine and never reaches the PDO. A WDM driver passes power IRPs
-- down. I/O verification checks when the IRP reaches the device (0xC9, P1 = 0x21F, a WDM DRIVER
-- ERROR; P3 the IRP, P4 the device object).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver nopower.sys",
  expect = { bugcheck = 0xC9, p1 = 0x21F, driver = "nopower.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Power = false,   -- BUG: no IRP_MJ_POWER routine
}
driver "nopower.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "nopower.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPower(Fdo, IRP_MN_SET_POWER, function(Stack)
    Stack.Parameters.Power.Type = DevicePowerState
    Stack.Parameters.Power.State.DeviceState = 1   -- PowerDeviceD0
  end)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "nopower.sys"
  UnloadDriver "pnpbus.sys"
end)
