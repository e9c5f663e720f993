-- busmaster_missing_flush: the packet-DMA bus-master driver with a classic bug: its ExecutionRoutine keeps the channel (KeepObject) and its DPC
-- frees it without FlushAdapterBuffers: the read's bytes never reach the
-- buffer (0xE6/0x0D, P2 200 bytes mapped).
scenario {
  verifier = "/standard /driver busmaster.sys",
  cpus = 2,
  devices = { { name = "nic", hardware_id = "PCI\\VEN_1234&DEV_5678", driver = "busmaster.sys",
                resources = { { type = "interrupt", level = 5, vector = 0x35, affinity = 1 } } } },
  expect = { bugcheck = 0xE6, p1 = 0x0D, p2 = 200, driver = "busmaster.sys" },
}

BusMasterMode = "packet"
BusMasterVariant = "missing_flush"
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
