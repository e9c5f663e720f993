-- dma_buffer_overrun_clean: the twin of dma_buffer_overrun: the record fits;
-- clean under /standard.
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Va, Logical = Ops.AllocateCommonBuffer(Adapter, 256, true)
  DeviceDmaWrite(Logical + 248, "STATUS!!")
  assert(Va:read(248, 8) == "STATUS!!")
  Ops.FreeCommonBuffer(Adapter, 256, Logical, Va, true)
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
