-- dma_put_adapter_sg_lists_clean: the twin of dma_put_adapter_sg_lists: puts the list first;
-- clean under /standard.
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer, Mdl = NonPagedBuffer(256, "to the device")
  AtDispatch(function()
    assert(Ops.GetScatterGatherList(Adapter, Fdo, Mdl, MmGetMdlVirtualAddress(Mdl), 256,
      function(DeviceObject, Irp, Sgl, Context) List = Sgl end, nil, true) == STATUS_SUCCESS)
  end)
  AtDispatch(function() Ops.PutScatterGatherList(Adapter, List, true) end)
  Ops.PutDmaAdapter(Adapter)
  IoFreeMdl(Mdl)
  ExFreePool(Buffer)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
