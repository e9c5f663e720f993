-- dma_unlocked_buffer_clean: the twin of dma_unlocked_buffer: builds the MDL first;
-- clean under /flags 0x80.
scenario {
  verifier = "/flags 0x80 /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, "DmaB")
  local Mdl = IoAllocateMdl(Buffer, 64, false, false, nil)
  MmBuildMdlForNonPagedPool(Mdl)
  local Length = LONG()
  AtDispatch(function()
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 1, function(DeviceObject, Irp, Base, Context)
      Length:set_u32(0, 16)
      local Va = MmGetMdlVirtualAddress(Mdl)
      Ops.MapTransfer(Adapter, Mdl, Base, Va, Length, true)
      Ops.FlushAdapterBuffers(Adapter, Mdl, Base, Va, 16, true)
      return DeallocateObject
    end, nil) == STATUS_SUCCESS)
  end)
  Ops.PutDmaAdapter(Adapter)
  IoFreeMdl(Mdl)
  ExFreePool(Buffer)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
