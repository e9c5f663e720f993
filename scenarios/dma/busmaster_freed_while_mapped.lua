-- busmaster_freed_while_mapped: the packet-DMA bus-master driver with a classic bug: its DPC frees the map registers before FlushAdapterBuffers: a
-- read's bytes are still in the map register (0xE6/0x10, P2 1 still mapped).
scenario {
  verifier = "/standard /driver busmaster.sys",
  cpus = 2,
  devices = { { name = "nic", hardware_id = "PCI\\VEN_1234&DEV_5678", driver = "busmaster.sys",
                resources = { { type = "interrupt", level = 5, vector = 0x35, affinity = 1 } } } },
  expect = { bugcheck = 0xE6, p1 = 0x10, p2 = 1, driver = "busmaster.sys" },
}

BusMasterMode = "packet"
BusMasterVariant = "freed_while_mapped"
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
