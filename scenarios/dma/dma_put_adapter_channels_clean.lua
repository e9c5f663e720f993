-- dma_put_adapter_channels_clean: the twin of dma_put_adapter_channels: frees the channel first;
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
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 0, function(DeviceObject, Irp, Base, Context)
      return KeepObject
    end, nil) == STATUS_SUCCESS)
  end)
  AtDispatch(function() Ops.FreeAdapterChannel(Adapter) end)
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
