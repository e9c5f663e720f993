-- dma_adapter_released: GetDmaAlignment through an adapter PutDmaAdapter released (0xE6/0x18, P2 the
-- adapter).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x18, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  Ops.PutDmaAdapter(Adapter)
  -- BUG: the adapter is gone.
  Ops.GetDmaAlignment(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
