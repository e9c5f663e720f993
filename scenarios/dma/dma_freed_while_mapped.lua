-- dma_freed_while_mapped: the classic missing flush: packet DMA keeps its map registers
-- (DeallocateObjectKeepRegisters), the device fills them, and the driver frees
-- them without FlushAdapterBuffers, so the data never reaches its buffer
-- (0xE6/0x10, P2 1 register still mapped).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x10, p2 = 1, driver = "dmadev.sys" },
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
    -- BUG: FlushAdapterBuffers(Adapter, Mdl, Kept, Va, 16, false) first.
    Ops.FreeMapRegisters(Adapter, Kept, 1)
  end)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
