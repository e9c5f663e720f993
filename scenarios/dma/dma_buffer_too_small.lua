-- dma_buffer_too_small: a transfer past the mapped length: MapTransfer of 100 bytes over a 64-byte MDL
-- (0xE6/0x24, P2 36 bytes not accounted for).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x24, p2 = 36, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer, Mdl = NonPagedBuffer(64, "hello, device")
  local Va = MmGetMdlVirtualAddress(Mdl)
  local Length = LONG()
  AtDispatch(function()
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 1, function(DeviceObject, Irp, Base, Context)
      -- BUG: the MDL holds 64 bytes.
      Length:set_u32(0, 100)
      Ops.MapTransfer(Adapter, Mdl, Base, Va, Length, true)
      return DeallocateObject
    end, nil) == STATUS_SUCCESS)
  end)end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
