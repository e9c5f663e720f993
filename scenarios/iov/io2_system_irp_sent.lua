-- io2_system_irp_sent: restart.sys restarts its device after loading new firmware by sending
-- IRP_MN_START_DEVICE down its own stack. Only the PnP manager sends the state-changing PnP IRPs
-- (a driver asks for a restart with IoInvalidateDeviceState). I/O verification checks the minor
-- code when a driver sends a new IRP (0xC9, P1 = 0x237, a WDM DRIVER ERROR; P3 the IRP, P4 the
-- device it was sent to).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver restart.sys",
  expect = { bugcheck = 0xC9, p1 = 0x237, driver = "restart.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- The new firmware runs once the device restarts: IRP_MN_START_DEVICE
    -- down its own stack.
    return AskOwnStack{
      Minor = IRP_MN_START_DEVICE,   -- BUG: only the PnP manager sends it
    }
  end,
}
driver "restart.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "restart.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "restart.sys"
  UnloadDriver "pnpbus.sys"
end)
