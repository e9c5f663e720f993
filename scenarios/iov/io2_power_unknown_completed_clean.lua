-- io2_power_unknown_completed_clean: pwrunk.sys, fixed: unknown power IRPs pass down untouched.
-- Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrunk.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

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
