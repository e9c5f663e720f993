-- dma_address_outside_mdl: MapTransfer with a CurrentVa past the end of its 64-byte MDL (0xE6/0x1B, P2 the
-- address, P3 the MDL).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x1B, driver = "dmadev.sys" },
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
      -- BUG: Va + 64 is past the MDL.
      Ops.MapTransfer(Adapter, Mdl, Base, Va + 64, Length, true)
      return DeallocateObject
    end, nil) == STATUS_SUCCESS)
  end)end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
