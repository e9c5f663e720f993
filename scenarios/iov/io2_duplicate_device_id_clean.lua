-- io2_duplicate_device_id_clean: kidbus.sys enumerates two identical widgets, with the same
-- device ID and instance IDs "1" and "2", as two identical devices on one bus are on Windows;
-- then a third child whose IDs a removed child had. Clean under /standard.
scenario {
  verifier = "/standard /driver kidbus.sys",
  expect = "clean",
}

Kids = {
  { id = "KIDBUS\\WIDGET", instance = "1", plugged = true },
  { id = "KIDBUS\\WIDGET", instance = "2", plugged = true },
  { id = "KIDBUS\\WIDGET", instance = "1", plugged = false },
}

driver "kidbus.sys" "drivers/kidbus.lua"

run(function()
  LoadDriver "kidbus.sys"
  assert(Enumerate() == 2)
  for i = 1, 2 do
    QueryId(Pdos[i], BusQueryDeviceID)
    QueryId(Pdos[i], BusQueryInstanceID)
  end
  -- The first one unplugged, the third plugged in with the IDs the first had.
  Kids[1].plugged, Kids[3].plugged = false, true
  assert(Enumerate() == 2)
  QueryId(Pdos[3], BusQueryDeviceID)
  QueryId(Pdos[3], BusQueryInstanceID)
  UnloadDriver "kidbus.sys"
end)
