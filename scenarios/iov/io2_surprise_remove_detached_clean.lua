-- io2_surprise_remove_detached_clean: surpdet.sys, fixed: IRP_MN_SURPRISE_REMOVAL passes down and
-- the device stays attached until IRP_MN_REMOVE_DEVICE. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver surpdet.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "surpdet.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "surpdet.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_SURPRISE_REMOVAL)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "surpdet.sys"
  UnloadDriver "pnpbus.sys"
end)
