-- io2_unknown_irp_information_changed_clean: pnpinfo.sys, fixed: it leaves Information alone on
-- IRPs it does not handle. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pnpinfo.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "pnpinfo.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pnpinfo.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, 0xFF)   -- a minor code wdm.h does not define
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pnpinfo.sys"
  UnloadDriver "pnpbus.sys"
end)
