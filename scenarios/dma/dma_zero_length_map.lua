-- dma_zero_length_map: MapTransfer of 0 bytes (0xE6/0x21).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x21, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer, Mdl = NonPagedBuffer(64, "hello, device")
  local Va = MmGetMdlVirtualAddress(Mdl)
  local Length = LONG()
  AtDispatch(function()
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 1, function(DeviceObject, Irp, Base, Context)
      -- BUG: a zero length.
      Length:set_u32(0, 0)
      Ops.MapTransfer(Adapter, Mdl, Base, Va, Length, true)
      return DeallocateObject
    end, nil) == STATUS_SUCCESS)
  end)end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
