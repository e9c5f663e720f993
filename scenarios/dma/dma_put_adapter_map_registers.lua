-- dma_put_adapter_map_registers: map registers leaked: kept by DeallocateObjectKeepRegisters, never freed, and
-- the adapter released (0xE6/0x09, P3 2).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x09, p3 = 2, driver = "dmadev.sys" },
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
  -- BUG: FreeMapRegisters(Adapter, Kept, 2) first.
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
