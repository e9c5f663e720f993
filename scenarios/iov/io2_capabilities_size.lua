-- io2_capabilities_size: capq.sys asks its stack for the device's capabilities with
-- IRP_MN_QUERY_CAPABILITIES when it attaches, but initialises DEVICE_CAPABILITIES.Size to 0
-- instead of 64 (it zeroed the structure and set only Version). I/O verification checks the
-- structure when the IRP is sent (0xC9, P1 = 0x234, a WDM DRIVER ERROR; P3 the IRP, P4 the Size
-- sent).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver capq.sys",
  expect = { bugcheck = 0xC9, p1 = 0x234, driver = "capq.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- What the device can do: IRP_MN_QUERY_CAPABILITIES down its own stack,
    -- a DEVICE_CAPABILITIES the stack fills.
    return AskOwnStack{
      Size = 0,   -- BUG: sizeof(DEVICE_CAPABILITIES), 64
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
