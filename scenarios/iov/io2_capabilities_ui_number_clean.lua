-- io2_capabilities_ui_number_clean: capq.sys, fixed: DEVICE_CAPABILITIES.UINumber is 0xFFFFFFFF
-- when it sends IRP_MN_QUERY_CAPABILITIES. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver capq.sys",
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
driver "capq.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "capq.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "capq.sys"
  UnloadDriver "pnpbus.sys"
end)
