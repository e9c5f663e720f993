-- io2_pdo_deleted_present: kidbus.sys deletes a child's PDO in its IRP_MN_REMOVE_DEVICE (a
-- disable: the device is still plugged in) although its last BusRelations answer still lists the
-- child. The PnP manager still has a device node for it; only a child its bus reported missing
-- may go. I/O verification when the PDO's dispatch routine returns: 0xC9, P1 = 0x221, a WDM DRIVER
-- ERROR (P2 the dispatch routine, P3 the IRP, P4 the PDO).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver kidbus.sys",
  expect = { bugcheck = 0xC9, p1 = 0x221, driver = "kidbus.sys" },
}

Kids = { { id = "KIDBUS\\WIDGET", instance = "1", plugged = true } }
DeleteEarly = true   -- BUG: deletes the PDO of a device still present

driver "kidbus.sys" "drivers/kidbus.lua"

run(function()
  LoadDriver "kidbus.sys"
  assert(Enumerate() == 1)
  local Kid = Pdos[1]
  QueryId(Kid, BusQueryDeviceID)
  QueryId(Kid, BusQueryInstanceID)
  SendPnp(Kid, IRP_MN_START_DEVICE)
  -- Disabled: QUERY_REMOVE, REMOVE; the device is still plugged in.
  SendPnp(Kid, IRP_MN_QUERY_REMOVE_DEVICE)
  SendPnp(Kid, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "kidbus.sys"
end)
