-- io2_missing_dispatch_clean: nopower.sys, fixed: its IRP_MJ_POWER routine passes power IRPs down
-- with PoCallDriver. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver nopower.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

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
