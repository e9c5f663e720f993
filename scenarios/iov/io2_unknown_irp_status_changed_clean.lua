-- io2_unknown_irp_status_changed_clean: pnpok.sys, fixed: it sets STATUS_SUCCESS only on the minor
-- codes it handles. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pnpok.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "pnpok.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pnpok.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, 0xFF)   -- a minor code wdm.h does not define
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "pnpok.sys"
  UnloadDriver "pnpbus.sys"
end)
