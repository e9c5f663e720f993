-- io2_wmi_irp_bad_status_clean: wmiq.sys, fixed: IoStatus.Status is STATUS_NOT_SUPPORTED before
-- the IRP is sent. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver wmiq.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  Attached = function(DriverObject, fdo)
    -- Its WMI data: IRP_MN_QUERY_ALL_DATA down its own stack.
    return AskOwnStack{
      Major = IRP_MJ_SYSTEM_CONTROL, Minor = IRP_MN_QUERY_ALL_DATA,
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
