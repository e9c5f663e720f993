-- dma_address_outside_mdl_clean: the twin of dma_address_outside_mdl: maps the MDL's last byte;
-- clean under /flags 0x80.
scenario {
  verifier = "/flags 0x80 /driver dmadev.sys",
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
      Length:set_u32(0, 1)
      Ops.MapTransfer(Adapter, Mdl, Base, Va + 63, Length, true)
      Ops.FlushAdapterBuffers(Adapter, Mdl, Base, Va + 63, 1, true)
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
