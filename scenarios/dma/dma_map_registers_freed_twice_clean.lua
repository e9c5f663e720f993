-- dma_map_registers_freed_twice_clean: the twin of dma_map_registers_freed_twice: frees them once;
-- clean under /flags 0x80.
scenario {
  verifier = "/flags 0x80 /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  AtDispatch(function()
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 1, function(DeviceObject, Irp, Base, Context)
      Kept = Base
      return DeallocateObjectKeepRegisters
    end, nil) == STATUS_SUCCESS)
  end)
  AtDispatch(function() Ops.FreeMapRegisters(Adapter, Kept, 1) end)
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
