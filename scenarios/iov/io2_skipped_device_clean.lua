-- io2_skipped_device_clean: skipflt.sys, fixed: it passes IRP_MN_START_DEVICE to the device below
-- it. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver skipflt.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"
driver "pnpfilt.sys" "drivers/pnpfilt.lua"

driver "skipflt.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pnpfilt.sys"
  LoadDriver "skipflt.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "skipflt.sys"
  UnloadDriver "pnpfilt.sys"
  UnloadDriver "pnpbus.sys"
end)
