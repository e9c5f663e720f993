-- dma_null_adapter: a DMA routine called with a NULL DMA_ADAPTER (0xE6/0x19).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x19, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  -- BUG: NULL adapter.
  Ops.GetDmaAlignment(nil)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
