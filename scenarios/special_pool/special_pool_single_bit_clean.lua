-- special_pool_single_bit_clean: the twin of special_pool_single_bit. The
-- flags byte is the entry's first byte now, and the driver toggles it there.
scenario {
  verifier = "/flags 0x1 /driver lrucache.sys",
  expect   = "clean",
}

local DIRTY = 0x80

driver "lrucache.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Entry = ExAllocatePoolWithTag(NonPagedPoolNx, 96, "LruE")
    if Entry == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Entry[0] = 0
    Entry[0] = Entry[0] ~ DIRTY
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
