-- dma_wrong_irql: AllocateCommonBuffer, a PASSIVE_LEVEL routine, called at DISPATCH_LEVEL
-- (0xE6/0x13, P2 1, P3 PASSIVE_LEVEL, P4 DISPATCH_LEVEL).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x13, p2 = 1, p3 = PASSIVE_LEVEL, p4 = DISPATCH_LEVEL, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  AtDispatch(function()
    -- BUG: at PASSIVE_LEVEL.
    Ops.AllocateCommonBuffer(Adapter, 512, true)
  end)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
