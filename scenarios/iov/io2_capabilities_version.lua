-- io2_capabilities_version: capq.sys asks its stack for the device's capabilities with
-- IRP_MN_QUERY_CAPABILITIES when it attaches, but initialises DEVICE_CAPABILITIES.Version to 0
-- instead of 1 (it zeroed the structure and set only Size). I/O verification checks the structure
-- when the IRP is sent (0xC9, P1 = 0x233, a WDM DRIVER ERROR; P3 the IRP, P4 the Version sent).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver capq.sys",
  expect = { bugcheck = 0xC9, p1 = 0x233, driver = "capq.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- What the device can do: IRP_MN_QUERY_CAPABILITIES down its own stack,
    -- a DEVICE_CAPABILITIES the stack fills.
    return AskOwnStack{
      Version = 0,   -- BUG: 1
    }
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
