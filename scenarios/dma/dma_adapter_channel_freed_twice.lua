-- dma_adapter_channel_freed_twice: an adapter channel kept (KeepObject) and freed twice (0xE6/0x04, P2 1).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x04, p2 = 1, driver = "dmadev.sys" },
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
    Ops.FreeAdapterChannel(Adapter)
    -- BUG: freed again.
    Ops.FreeAdapterChannel(Adapter)
  end)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
