-- io2_pnp_irp_bad_status: capst.sys sends IRP_MN_QUERY_CAPABILITIES down its stack in an IRP from
-- IoAllocateIrp without setting IoStatus.Status, which stays 0, STATUS_SUCCESS: a driver below
-- that does not handle it passes on a success nobody gave. A PnP IRP starts as
-- STATUS_NOT_SUPPORTED. I/O verification checks it when the IRP is sent (0xC9, P1 = 0x20E, a WDM
-- DRIVER ERROR; P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver capst.sys",
  expect = { bugcheck = 0xC9, p1 = 0x20E, driver = "capst.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- What the device can do: IRP_MN_QUERY_CAPABILITIES down its own stack,
    -- a DEVICE_CAPABILITIES the stack fills.
    return AskOwnStack{
      NotSupported = false,   -- BUG: IoStatus.Status stays 0
    }
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
