-- io2_power_untouched_completed_clean: nowake.sys, fixed: IRP_MN_WAIT_WAKE passes down untouched.
-- Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver nowake.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

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
