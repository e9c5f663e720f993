-- size_class_x86_0x18_clean: GFlags special pool by size class on x86, whose pool
-- granularity is 8 bytes. "+spp 0x18" selects the sizes 9 to 16 (the value is
-- the top of the class plus 8), and also the tag whose value is 0x18. A
-- driver allocates the sizes on both sides of each boundary (the tag of
-- that value is no valid tag: its bytes hold no letter or digit); the
-- counters of the verified driver (pool tracking only: Driver Verifier's own
-- special pool is off) show which went to special pool.
scenario {
  arch     = "x86",
  verifier = "/flags 0x8 /driver sizes.sys",
  gflags   = "+spp 0x18",
  expect   = "clean",
}

local Sizes = { 9 - 1, 9, 16, 16 + 1 }   -- special: the middle two

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
