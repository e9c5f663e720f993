-- io2_wmi_irp_bad_status: wmiq.sys sends a WMI query (IRP_MN_QUERY_ALL_DATA) down its stack
-- without setting IoStatus.Status, which stays STATUS_SUCCESS. A WMI IRP starts as
-- STATUS_NOT_SUPPORTED. I/O verification checks it when the IRP is sent (0xC9, P1 = 0x210, a WDM
-- DRIVER ERROR; P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver wmiq.sys",
  expect = { bugcheck = 0xC9, p1 = 0x210, driver = "wmiq.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- Its WMI data: IRP_MN_QUERY_ALL_DATA down its own stack.
    return AskOwnStack{
      Major = IRP_MJ_SYSTEM_CONTROL, Minor = IRP_MN_QUERY_ALL_DATA,
      NotSupported = false,   -- BUG: IoStatus.Status stays 0
    }
  end,
}
driver "wmiq.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "wmiq.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "wmiq.sys"
  UnloadDriver "pnpbus.sys"
end)
