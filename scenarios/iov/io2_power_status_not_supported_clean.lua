-- io2_power_status_not_supported_clean: pwrlow.sys, fixed: it passes IRP_MN_SET_POWER down
-- untouched. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrlow.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"
driver "pnpfilt.sys" "drivers/pnpfilt.lua"

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
