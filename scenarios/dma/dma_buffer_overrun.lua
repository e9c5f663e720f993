-- dma_buffer_overrun: the device writes its 8-byte status record at the end of a 256-byte common
-- buffer the driver sized for 252 bytes of it: the guard tag after the buffer
-- ("DmaVrfy0") changed, found at FreeCommonBuffer (0xE6/0x0F, P2 2, P3 256).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x0F, p2 = 2, p3 = 256, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Va, Logical = Ops.AllocateCommonBuffer(Adapter, 256, true)
  -- BUG: the device's record at offset 252 runs 4 bytes past the buffer.
  DeviceDmaWrite(Logical + 252, "STATUS!!")
  Ops.FreeCommonBuffer(Adapter, 256, Logical, Va, true)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
