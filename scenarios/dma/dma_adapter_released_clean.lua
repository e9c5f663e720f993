-- dma_adapter_released_clean: the twin of dma_adapter_released: asks before releasing it;
-- clean under /standard.
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  assert(Ops.GetDmaAlignment(Adapter) == 1)
  assert(Ops.ReadDmaCounter(Adapter) == 0)
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
