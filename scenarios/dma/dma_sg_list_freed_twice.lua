-- dma_sg_list_freed_twice: a scatter/gather list put twice (0xE6/0x06, P2 1 allocated, P3 2 freed).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x06, p2 = 1, p3 = 2, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer, Mdl = NonPagedBuffer(256, "to the device")
  AtDispatch(function()
    assert(Ops.GetScatterGatherList(Adapter, Fdo, Mdl, MmGetMdlVirtualAddress(Mdl), 256,
      function(DeviceObject, Irp, Sgl, Context) List = Sgl end, nil, true) == STATUS_SUCCESS)
  end)
  AtDispatch(function()
    Ops.PutScatterGatherList(Adapter, List, true)
    -- BUG: put again.
    Ops.PutScatterGatherList(Adapter, List, true)
  end)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
