-- io2_wmi_not_provider_clean: wmiown.sys, fixed: WMI requests for other devices pass down. Clean
-- under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver wmiown.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

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
