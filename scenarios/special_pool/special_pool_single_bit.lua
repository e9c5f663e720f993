-- special_pool_single_bit: one bit flipped beside the block. A cache driver
-- marks an entry dirty by toggling bit 7 of the flags byte of the entry's
-- header, which it finds at Entry - 8; but the header was dropped from the
-- allocation in a rewrite, so the toggle flips a bit of the special pool
-- pattern before the block. The pattern check at free finds one byte off by
-- one bit: 0xC1 with P4 = 0x32, P1 the block, P2 the address of the bad bit.
scenario {
  verifier = "/flags 0x1 /driver lrucache.sys",
  expect   = { bugcheck = 0xC1, p4 = 0x32, driver = "lrucache.sys" },
}

local DIRTY = 0x80

driver "lrucache.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Entry = ExAllocatePoolWithTag(NonPagedPoolNx, 96, "LruE")
    if Entry == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Entry[-8] = Entry[-8] ~ DIRTY -- BUG: the header is no longer there
    ExFreePoolWithTag(Entry, "LruE")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "lrucache.sys"
  Sleep "10ms"
  UnloadDriver "lrucache.sys"
end)
