-- special_pool_freed_clean: the twin of special_pool_freed. The consumer
-- copies what it needs while the driver is loaded and never touches the
-- block after the unload freed it.
scenario {
  verifier = "/flags 0x1 /driver cfgcache.sys",
  expect   = "clean",
}

driver "cfgcache.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Config = ExAllocatePoolWithTag(NonPagedPoolNx, 24, "CfgC")
    if Config == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Config:set_u32(0, 0x100) -- version
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Config, "CfgC")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgcache.sys"
  local version = Config:u32(0)
  UnloadDriver "cfgcache.sys"
  assert(version == 0x100)
end)
