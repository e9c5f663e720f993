-- io2_duplicate_device_id: kidbus.sys enumerates two identical widgets and gives both the same
-- instance ID (a serial number it forgot to read): one device instance ID for two devices, which
-- the PnP manager cannot tell apart. I/O verification when the second child answers
-- IRP_MN_QUERY_ID: 0xC9, P1 = 0x249, a WDM DRIVER ERROR (P3 and P4 the two PDOs).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver kidbus.sys",
  expect = { bugcheck = 0xC9, p1 = 0x249, driver = "kidbus.sys" },
}

Kids = {
  { id = "KIDBUS\\WIDGET", instance = "1", plugged = true },
  { id = "KIDBUS\\WIDGET", instance = "1", plugged = true },   -- BUG: the same instance ID
}

driver "kidbus.sys" "drivers/kidbus.lua"

run(function()
  LoadDriver "kidbus.sys"
  assert(Enumerate() == 2)
  for i = 1, 2 do
    QueryId(Pdos[i], BusQueryDeviceID)
    QueryId(Pdos[i], BusQueryInstanceID)
  end
  UnloadDriver "kidbus.sys"
end)
