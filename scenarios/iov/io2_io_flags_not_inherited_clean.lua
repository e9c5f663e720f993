-- io2_io_flags_not_inherited_clean: noioflag.sys, fixed: it copies DO_BUFFERED_IO and DO_DIRECT_IO
-- as well. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver noioflag.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

driver "noioflag.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "noioflag.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "noioflag.sys"
  UnloadDriver "pnpbus.sys"
end)
