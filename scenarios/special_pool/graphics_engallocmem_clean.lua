-- graphics_engallocmem_clean: the twin of graphics_engallocmem. The palette
-- loop stops at its 16th entry. The block came from special pool (the
-- counters say so), and pool tracking, which does not apply to graphics
-- drivers (seed 003, 2.1.2), tracks nothing.
scenario {
  verifier = "/standard /driver vgafb.dll",
  expect   = "clean",
}

local ENTRIES = 16

driver "vgafb.dll" {
  kind = "graphics",
  DriverEntry = function(DriverObject, RegistryPath)
    Palette = EngAllocMem(FL_ZERO_MEMORY, ENTRIES * 4, "Pal ")
    if Palette == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    assert(Palette:u32(0) == 0) -- FL_ZERO_MEMORY
    for i = 0, ENTRIES - 1 do
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
  local q = Query()
  assert(q.AllocationsSucceededSpecialPool == 1 and q.AllocationsSucceeded == 1)
  assert(q.drivers["vgafb.dll"].CurrentPagedPoolAllocations == 0)
  UnloadDriver "vgafb.dll"
end)
