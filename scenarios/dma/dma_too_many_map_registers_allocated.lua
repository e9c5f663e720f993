-- dma_too_many_map_registers_allocated: a 16 KB scatter/gather transfer on an adapter with 3 map registers (0xE6/0x15,
-- P2 4 needed, P3 3).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x15, p2 = 4, p3 = 3, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Adapter, Ops = GetAdapter(Pdo)
  local Buffer, Mdl = NonPagedBuffer(0x4000)
  AtDispatch(function()
    -- BUG: split the transfer: at most 0x2000 bytes (MaximumLength).
    Ops.GetScatterGatherList(Adapter, Fdo, Mdl, MmGetMdlVirtualAddress(Mdl), 0x4000,
      function(DeviceObject, Irp, Sgl, Context) end, nil, true)
  end)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
