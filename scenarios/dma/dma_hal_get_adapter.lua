-- dma_hal_get_adapter: the obsolete HalGetAdapter (0xE6/0x1E).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = { bugcheck = 0xE6, p1 = 0x1E, driver = "dmadev.sys" },
}

driver "dmadev.sys" "drivers/dmadev.lua"

function DmaTest(Pdo, Fdo)
  local Desc = DEVICE_DESCRIPTION()
  Desc.Version = DEVICE_DESCRIPTION_VERSION
  Desc.Master = 1
  Desc.MaximumLength = 0x1000
  -- BUG: IoGetDmaAdapter(Pdo, Desc).
  HalGetAdapter(Desc)
end

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
end)
