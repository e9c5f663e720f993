-- dma_map_register_file: an adapter with 3 map registers keeps 2 of them after its first transfer
-- (DeallocateObjectKeepRegisters) and asks for 2 again without FreeMapRegisters:
-- the channel is free but no 2 free map registers are contiguous (0xE6/0x00, P2 2,
-- P3 2 needed, P4 1 the longest free run).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x00, p2 = 2, p3 = 2, p4 = 1, driver = "dmadev.sys" },
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
    -- BUG: FreeMapRegisters(Adapter, Kept, 2) first.
    Ops.AllocateAdapterChannel(Adapter, Fdo, 2, function() return DeallocateObject end, nil)
  end)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
