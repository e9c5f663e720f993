-- dma_put_adapter_common_buffers_clean: the twin of dma_put_adapter_common_buffers: frees the buffer first;
-- clean under /standard.
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Va, Logical = Ops.AllocateCommonBuffer(Adapter, 512, true)
  Ops.FreeCommonBuffer(Adapter, 512, Logical, Va, true)
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
