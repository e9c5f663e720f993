-- dma_flush_never_mapped: FlushAdapterBuffers of map registers nothing was mapped into (0xE6/0x20,
-- P2 MapRegisterBase, P3 CurrentVa, P4 the MDL).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x20, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer, Mdl = NonPagedBuffer(64, "hello, device")
  local Va = MmGetMdlVirtualAddress(Mdl)
  local Length = LONG()
  AtDispatch(function()
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 1, function(DeviceObject, Irp, Base, Context)
      -- BUG: MapTransfer first.
      Ops.FlushAdapterBuffers(Adapter, Mdl, Base, Va, 13, true)
      return DeallocateObject
    end, nil) == STATUS_SUCCESS)
  end)end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
