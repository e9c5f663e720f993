-- io_irp_freed_with_pool_clean: poolirp.sys, fixed: IoFreeIrp frees the IRP. Clean under
-- /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver poolirp.sys",
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
driver "poolirp.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "poolirp.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "poolirp.sys"
  UnloadDriver "pnpbus.sys"
end)
