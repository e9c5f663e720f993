-- io2_wmi_not_provider: wmiown.sys is not a WMI provider, yet completes every
-- IRP_MJ_SYSTEM_CONTROL request untouched instead of passing it down: a query for the PDO's data
-- blocks (ProviderId the PDO) never reaches it. I/O verification checks the request's ProviderId
-- against the device that completed it (0xC9, P1 = 0x220, a WDM DRIVER ERROR; P3 the IRP, P4 the
-- ProviderId).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver wmiown.sys",
  expect = { bugcheck = 0xC9, p1 = 0x220, driver = "wmiown.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

PnpFdo = {
  SystemControl = function(DeviceObject, Irp)
    local status = Irp.IoStatus.Status
    IoCompleteRequest(Irp, IO_NO_INCREMENT)   -- BUG: not for this device
    return status
  end,
}
driver "wmiown.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "wmiown.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  SendWmi(Fdo, IRP_MN_QUERY_ALL_DATA, function(Stack)
    Stack.Parameters.WMI.ProviderId = BusPdo
  end)
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "wmiown.sys"
  UnloadDriver "pnpbus.sys"
end)
