-- dma_hal_get_adapter_clean: the twin of dma_hal_get_adapter: uses IoGetDmaAdapter;
-- clean under /flags 0x80.
scenario {
  verifier = "/flags 0x80 /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo, 0x1000)
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
