-- io2_pnp_status_not_supported_clean: lowfilt.sys, fixed: it agrees to IRP_MN_QUERY_STOP_DEVICE
-- (STATUS_SUCCESS) and passes it down. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver lowfilt.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"
driver "pnpfilt.sys" "drivers/pnpfilt.lua"

driver "lowfilt.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "lowfilt.sys"
  LoadDriver "pnpfilt.sys"
  local Top = IoGetAttachedDeviceReference(BusPdo)
  SendPnp(Top, IRP_MN_START_DEVICE)
  SendPnp(Top, IRP_MN_QUERY_STOP_DEVICE)
  SendPnp(Top, IRP_MN_CANCEL_STOP_DEVICE)
  SendPnp(Top, IRP_MN_REMOVE_DEVICE)
  ObDereferenceObject(Top)
  UnloadDriver "pnpfilt.sys"
  UnloadDriver "lowfilt.sys"
  UnloadDriver "pnpbus.sys"
end)
