-- dma_put_adapter_sg_lists: PutDmaAdapter with a scatter/gather list not put (0xE6/0x0A, P3 1).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x0A, p3 = 1, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer, Mdl = NonPagedBuffer(256, "to the device")
  AtDispatch(function()
    assert(Ops.GetScatterGatherList(Adapter, Fdo, Mdl, MmGetMdlVirtualAddress(Mdl), 256,
      function(DeviceObject, Irp, Sgl, Context) List = Sgl end, nil, true) == STATUS_SUCCESS)
  end)
  -- BUG: PutScatterGatherList first.
  Ops.PutDmaAdapter(Adapter)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
