-- dma_unknown_description_version: IoGetDmaAdapter with DEVICE_DESCRIPTION version 4, which no Windows knows
-- (0xE6/0x25).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x25, p2 = 4, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  -- BUG: DEVICE_DESCRIPTION_VERSION3 at most.
  GetAdapter(Pdo, 0x2000, 4)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
