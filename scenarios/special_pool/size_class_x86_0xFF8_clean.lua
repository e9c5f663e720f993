-- size_class_x86_0xFF8_clean: GFlags special pool by size class on x86, whose pool
-- granularity is 8 bytes. "+spp 0xFF8" selects the sizes 0xFE9 to 0xFF0 (the value is
-- the top of the class plus 8), and also the tag whose value is 0xFF8. A
-- driver allocates the sizes on both sides of each boundary (the tag of
-- that value is no valid tag: its bytes hold no letter or digit); the
-- counters of the verified driver (pool tracking only: Driver Verifier's own
-- special pool is off) show which went to special pool.
scenario {
  arch     = "x86",
  verifier = "/flags 0x8 /driver sizes.sys",
  gflags   = "+spp 0xFF8",
  expect   = "clean",
}

local Sizes = { 0xFE9 - 1, 0xFE9, 0xFF0, 0xFF0 + 1 }   -- special: the middle two

driver "sizes.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Blocks = {}
    for i, Size in ipairs(Sizes) do
      if Size > 0 then
        Blocks[#Blocks + 1] = ExAllocatePoolWithTag(PagedPool, Size, "Size")
      end
    end
    DriverObject.DriverUnload = function(DriverObject)
      for _, B in ipairs(Blocks) do
        ExFreePool(B)
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sizes.sys"
  local q = Query()
  assert(q.AllocationsSucceededSpecialPool == 2,
         "special: " .. q.AllocationsSucceededSpecialPool .. " of " .. q.AllocationsSucceeded)
  UnloadDriver "sizes.sys"
end)
