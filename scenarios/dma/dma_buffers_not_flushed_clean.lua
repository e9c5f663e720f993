-- dma_buffers_not_flushed_clean: the twin of dma_buffers_not_flushed: flushes first;
-- clean under /standard.
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer, Mdl = NonPagedBuffer(64, "hello, device")
  local Va = MmGetMdlVirtualAddress(Mdl)
  local Length = LONG()
  AtDispatch(function()
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 1, function(DeviceObject, Irp, Base, Context)
      Length:set_u32(0, 13)
      Ops.MapTransfer(Adapter, Mdl, Base, Va, Length, true)
      Kept = Base
      return KeepObject
    end, nil) == STATUS_SUCCESS)
  end)
  AtDispatch(function()
    assert(Ops.FlushAdapterBuffers(Adapter, Mdl, Kept, Va, 13, true))
    Ops.FreeAdapterChannel(Adapter)
  end)
  Ops.PutDmaAdapter(Adapter)
  IoFreeMdl(Mdl)
  ExFreePool(Buffer)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
