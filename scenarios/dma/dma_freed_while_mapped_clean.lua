-- dma_freed_while_mapped_clean: the twin of dma_freed_while_mapped: flushes first: the device's bytes reach the buffer;
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
      Length:set_u32(0, 16)
      Logical = Ops.MapTransfer(Adapter, Mdl, Base, Va, Length, false)
      Kept = Base
      return DeallocateObjectKeepRegisters
    end, nil) == STATUS_SUCCESS)
  end)
  DeviceDmaWrite(Logical, "from the device")
  AtDispatch(function()
    assert(Ops.FlushAdapterBuffers(Adapter, Mdl, Kept, Va, 16, false))
    Ops.FreeMapRegisters(Adapter, Kept, 1)
  end)
  assert(Buffer:read(0, 15) == "from the device")
  Ops.PutDmaAdapter(Adapter)
  IoFreeMdl(Mdl)
  ExFreePool(Buffer)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
