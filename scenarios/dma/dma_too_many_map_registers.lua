-- dma_too_many_map_registers: AllocateAdapterChannel asks for more map registers than IoGetDmaAdapter gave
-- (0xE6/0x0C, P2 4 required, P3 3 the maximum).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x0C, p2 = 4, p3 = 3, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops, MapRegisters = GetAdapter(Pdo)
  assert(MapRegisters == 3)
  AtDispatch(function()
    -- BUG: at most MapRegisters.
    Ops.AllocateAdapterChannel(Adapter, Fdo, MapRegisters + 1, function() return DeallocateObject end, nil)
  end)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
