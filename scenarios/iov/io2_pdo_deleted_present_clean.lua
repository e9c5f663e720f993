-- io2_pdo_deleted_present_clean: kidbus.sys's child is disabled (QUERY_REMOVE, REMOVE: its PDO
-- stays, the device is still plugged in), then unplugged: the bus reports it missing in its next
-- BusRelations answer, the PnP manager sends IRP_MN_REMOVE_DEVICE again, and the bus deletes the
-- PDO then. Clean under /standard.
scenario {
  verifier = "/standard /driver kidbus.sys",
  expect = "clean",
}

Kids = { { id = "KIDBUS\\WIDGET", instance = "1", plugged = true } }
DeleteEarly = false

driver "kidbus.sys" "drivers/kidbus.lua"

run(function()
  LoadDriver "kidbus.sys"
  assert(Enumerate() == 1)
  local Kid = Pdos[1]
  QueryId(Kid, BusQueryDeviceID)
  QueryId(Kid, BusQueryInstanceID)
  SendPnp(Kid, IRP_MN_START_DEVICE)
  SendPnp(Kid, IRP_MN_QUERY_REMOVE_DEVICE)
  SendPnp(Kid, IRP_MN_REMOVE_DEVICE)
  assert(Pdos[1] == Kid)   -- still present: the PDO stays
  Kids[1].plugged = false   -- unplugged: the bus invalidates its relations
  assert(Enumerate() == 0)
  SendPnp(Kid, IRP_MN_REMOVE_DEVICE)
  assert(Pdos[1] == nil)
  UnloadDriver "kidbus.sys"
end)
