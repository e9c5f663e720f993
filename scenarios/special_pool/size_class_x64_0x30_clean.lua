-- size_class_x64_0x30_clean: GFlags special pool by size class on x64, whose pool
-- granularity is 16 bytes. "+spp 0x30" selects the sizes 17 to 32 (the value is
-- the top of the class plus 16), and also the tag whose value is 0x30. A
-- driver allocates the sizes on both sides of each boundary and one block
-- with that tag; the counters of the verified driver (pool tracking only:
-- Driver Verifier's own special pool is off) show which went to special pool.
scenario {
  arch     = "x64",
  verifier = "/flags 0x8 /driver sizes.sys",
  gflags   = "+spp 0x30",
  expect   = "clean",
}

local Sizes = { 17 - 1, 17, 32, 32 + 1 }   -- special: the middle two

driver "sizes.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Blocks = {}
    for i, Size in ipairs(Sizes) do
      if Size > 0 then
        Blocks[#Blocks + 1] = ExAllocatePoolWithTag(PagedPool, Size, "Size")
      end
    end
    Blocks[#Blocks + 1] = ExAllocatePoolWithTag(PagedPool, 200, 0x30) -- the equal tag
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
  assert(q.AllocationsSucceededSpecialPool == 3,
         "special: " .. q.AllocationsSucceededSpecialPool .. " of " .. q.AllocationsSucceeded)
  UnloadDriver "sizes.sys"
end)
