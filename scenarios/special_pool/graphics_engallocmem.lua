-- graphics_engallocmem: a display driver's overrun in memory from
-- EngAllocMem. Graphics drivers do not call the pool; win32k's EngAllocMem
-- serves them, and with special pool on (/standard) Driver Verifier takes
-- those blocks from special pool (seed 003, 2.1.2.1). The driver sizes a
-- palette for 16 entries and writes 17: the 17th ULONG is on the guard page,
-- 0xD6 at the store.
scenario {
  verifier = "/standard /driver vgafb.dll",
  expect   = { bugcheck = 0xD6, p2 = 1, driver = "vgafb.dll" },
}

local ENTRIES = 16

driver "vgafb.dll" {
  kind = "graphics",
  DriverEntry = function(DriverObject, RegistryPath)
    Palette = EngAllocMem(FL_ZERO_MEMORY, ENTRIES * 4, "Pal ")
    if Palette == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    for i = 0, ENTRIES do -- BUG: one entry too many
      Palette:set_u32(i * 4, 0x00FFFFFF)
    end
    DriverObject.DriverUnload = function(DriverObject)
      EngFreeMem(Palette)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "vgafb.dll"
  Sleep "10ms"
  UnloadDriver "vgafb.dll"
end)
