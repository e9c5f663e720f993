-- dma_put_adapter_channels: PutDmaAdapter with the adapter channel still allocated (0xE6/0x08, P3 1).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x08, p3 = 1, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  AtDispatch(function()
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 0, function(DeviceObject, Irp, Base, Context)
      return KeepObject
    end, nil) == STATUS_SUCCESS)
  end)
  -- BUG: FreeAdapterChannel first.
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
