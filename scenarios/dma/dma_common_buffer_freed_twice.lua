-- dma_common_buffer_freed_twice: a common buffer freed twice (0xE6/0x03, P2 1 extra).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x03, p2 = 1, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Va, Logical = Ops.AllocateCommonBuffer(Adapter, 512, true)
  Ops.FreeCommonBuffer(Adapter, 512, Logical, Va, true)
  -- BUG: freed again.
  Ops.FreeCommonBuffer(Adapter, 512, Logical, Va, true)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
