-- dma_unlocked_buffer: MapTransfer over an MDL whose pages were never locked (no MmBuildMdlForNonPagedPool,
-- no MmProbeAndLockPages): 0xE6/0x0E, P2 the MDL.
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x0E, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, "DmaB")
  -- BUG: MmBuildMdlForNonPagedPool(Mdl) missing.
  local Mdl = IoAllocateMdl(Buffer, 64, false, false, nil)
  local Length = LONG()
  AtDispatch(function()
    assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 1, function(DeviceObject, Irp, Base, Context)
      Length:set_u32(0, 16)
      Ops.MapTransfer(Adapter, Mdl, Base, MmGetMdlVirtualAddress(Mdl), Length, true)
      return DeallocateObject
    end, nil) == STATUS_SUCCESS)
  end)end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
