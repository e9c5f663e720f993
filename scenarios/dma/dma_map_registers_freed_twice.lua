-- dma_map_registers_freed_twice: map registers kept (DeallocateObjectKeepRegisters) and freed twice (0xE6/0x05,
-- P2 1 extra).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x05, p2 = 1, driver = "dmadev.sys" },
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
  AtDispatch(function()
    Ops.FreeMapRegisters(Adapter, Kept, 1)
    -- BUG: freed again.
    Ops.FreeMapRegisters(Adapter, Kept, 1)
  end)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
