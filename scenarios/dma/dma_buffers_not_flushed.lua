-- dma_buffers_not_flushed: packet DMA kept its channel (KeepObject), mapped 13 bytes, and frees the channel
-- without FlushAdapterBuffers (0xE6/0x0D, P2 13 bytes mapped, P3 0x1000).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x0D, p2 = 13, p3 = 0x1000, driver = "dmadev.sys" },
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
  -- BUG: FlushAdapterBuffers(Adapter, Mdl, Kept, Va, 13, true) first.
  AtDispatch(function() Ops.FreeAdapterChannel(Adapter) end)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
