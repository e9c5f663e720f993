-- size_class_x64_0xFF0_clean: GFlags special pool by size class on x64, whose pool
-- granularity is 16 bytes. "+spp 0xFF0" selects the sizes 0xFD1 to 0xFE0 (the value is
-- the top of the class plus 16), and also the tag whose value is 0xFF0. A
-- driver allocates the sizes on both sides of each boundary (the tag of
-- that value is no valid tag: its bytes hold no letter or digit); the
-- counters of the verified driver (pool tracking only: Driver Verifier's own
-- special pool is off) show which went to special pool.
scenario {
  arch     = "x64",
  verifier = "/flags 0x8 /driver sizes.sys",
  gflags   = "+spp 0xFF0",
  expect   = "clean",
}

local Sizes = { 0xFD1 - 1, 0xFD1, 0xFE0, 0xFE0 + 1 }   -- special: the middle two

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
