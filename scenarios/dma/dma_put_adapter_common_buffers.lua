-- dma_put_adapter_common_buffers: PutDmaAdapter with a common buffer not freed (0xE6/0x07, P3 1).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x07, p3 = 1, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Va, Logical = Ops.AllocateCommonBuffer(Adapter, 512, true)
  -- BUG: FreeCommonBuffer first.
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
