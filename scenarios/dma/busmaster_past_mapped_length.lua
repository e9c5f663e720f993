-- busmaster_past_mapped_length: the packet-DMA bus-master driver with a classic bug: it programs the device with 16 bytes more than it mapped for
-- a read: the device writes past the mapping into the map register's
-- padding, found at FlushAdapterBuffers (0xE6/0x0F, P2 5).
scenario {
  verifier = "/standard /driver busmaster.sys",
  cpus = 2,
  devices = { { name = "nic", hardware_id = "PCI\\VEN_1234&DEV_5678", driver = "busmaster.sys",
                resources = { { type = "interrupt", level = 5, vector = 0x35, affinity = 1 } } } },
  expect = { bugcheck = 0xE6, p1 = 0x0F, p2 = 5, driver = "busmaster.sys" },
}

BusMasterMode = "packet"
BusMasterVariant = "past_mapped_length"
driver "busmaster.sys" "drivers/busmaster.lua"

run(function()
  if PlugDevice "nic" ~= STATUS_SUCCESS then
    return -- low resources simulation failed its start: nothing to transfer to
  end
  local h = assert(CreateFile "\\Device\\BusMaster")
  local s, r, e = ReadFile(h, 200, true)
  assert(s == STATUS_PENDING, s)
  DeviceService()
  KeWaitForSingleObject(e, Executive, KernelMode, false, nil)
  local st, data = GetOverlappedResult(r)
  assert(CloseHandle(h) == STATUS_SUCCESS)
  assert(RemoveDevice "nic" == STATUS_SUCCESS)
end)
