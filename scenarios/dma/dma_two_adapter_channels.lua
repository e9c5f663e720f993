-- dma_two_adapter_channels: a second AllocateAdapterChannel while the first channel is kept (0xE6/0x0B, P2 1).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x0B, p2 = 1, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  AtDispatch(function()
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 0, function(DeviceObject, Irp, Base, Context)
      return KeepObject
    end, nil) == STATUS_SUCCESS)
  end)
  AtDispatch(function()
    -- BUG: FreeAdapterChannel first.
    Ops.AllocateAdapterChannel(Adapter, Fdo, 0, function() return DeallocateObject end, nil)
  end)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
