-- dma_too_many_map_registers_allocated_clean: the twin of dma_too_many_map_registers_allocated: splits it in two;
-- clean under /standard.
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer, Mdl = NonPagedBuffer(0x4000)
  local Va = MmGetMdlVirtualAddress(Mdl)
  for Part = 0, 1 do
    AtDispatch(function()
      assert(Ops.GetScatterGatherList(Adapter, Fdo, Mdl, Va + Part * 0x2000, 0x2000,
        function(DeviceObject, Irp, Sgl, Context) List = Sgl end, nil, true) == STATUS_SUCCESS)
      Ops.PutScatterGatherList(Adapter, List, true)
    end)
  end
  Ops.PutDmaAdapter(Adapter)
  IoFreeMdl(Mdl)
  ExFreePool(Buffer)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
