-- dma_map_register_file_clean: the twin of dma_map_register_file: frees the kept map registers first;
-- clean under /standard.
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  AtDispatch(function()
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 2, function(DeviceObject, Irp, Base, Context)
      Kept = Base
      return DeallocateObjectKeepRegisters
    end, nil) == STATUS_SUCCESS)
  end)
  AtDispatch(function()
    Ops.FreeMapRegisters(Adapter, Kept, 2)
    Ops.AllocateAdapterChannel(Adapter, Fdo, 2, function() return DeallocateObject end, nil)
  end)
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
