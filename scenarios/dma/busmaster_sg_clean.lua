-- busmaster_sg_clean: the bus-master driver with scatter/gather DMA (GetScatterGatherList,
-- PutScatterGatherList): three writes and three reads, clean under /standard
-- /faults on every seed.
scenario {
  verifier = "/standard /faults 2000 \"\" \"\" 0 /driver busmaster.sys",
  cpus = 2,
  devices = { { name = "nic", hardware_id = "PCI\\VEN_1234&DEV_5678", driver = "busmaster.sys",
                resources = { { type = "interrupt", level = 5, vector = 0x35, affinity = 1 } } } },
  expect = "clean",
}

BusMasterMode = "sg"
driver "busmaster.sys" "drivers/busmaster.lua"

run(function()
  if PlugDevice "nic" ~= STATUS_SUCCESS then
    return -- low resources simulation failed its start: nothing to transfer to
  end
  local h = assert(CreateFile "\\Device\\BusMaster")
  for Round = 1, 3 do
    -- To the device.
    local Text = string.rep("packet " .. Round .. ";", 40 * Round)
    local s, r, e = WriteFile(h, Text, true)
    if s == STATUS_PENDING then
      assert(DeviceService() == Text, "the device read what was written")
      KeWaitForSingleObject(e, Executive, KernelMode, false, nil)
      s = GetOverlappedResult(r)
    end
    assert(s == STATUS_SUCCESS or s == STATUS_INSUFFICIENT_RESOURCES, s)
    -- From the device.
    local s2, r2, e2 = ReadFile(h, 100 * Round, true)
    if s2 == STATUS_PENDING then
      DeviceService()
      KeWaitForSingleObject(e2, Executive, KernelMode, false, nil)
      local st, data = GetOverlappedResult(r2)
      assert(st == STATUS_SUCCESS or st == STATUS_INSUFFICIENT_RESOURCES, st)
      if st == STATUS_SUCCESS then
        assert(data:sub(1, 12) == "device data ",
               "the device's bytes reached the buffer")
      end
    end
  end
  assert(CloseHandle(h) == STATUS_SUCCESS)
  assert(RemoveDevice "nic" == STATUS_SUCCESS)
end)
