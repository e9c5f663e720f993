-- io2_pnp_irp_bad_status_clean: capst.sys, fixed: IoStatus.Status is STATUS_NOT_SUPPORTED before
-- the IRP is sent. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver capst.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- What the device can do: IRP_MN_QUERY_CAPABILITIES down its own stack,
    -- a DEVICE_CAPABILITIES the stack fills.
    return AskOwnStack{}
  end,
}
driver "capst.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "capst.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "capst.sys"
  UnloadDriver "pnpbus.sys"
end)
