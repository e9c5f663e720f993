-- dma_too_many_map_registers_clean: the twin of dma_too_many_map_registers: asks for MapRegisters;
-- clean under /flags 0x80.
scenario {
  verifier = "/flags 0x80 /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops, MapRegisters = GetAdapter(Pdo)
  AtDispatch(function()
    Ops.AllocateAdapterChannel(Adapter, Fdo, MapRegisters, function() return DeallocateObject end, nil)
  end)
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
