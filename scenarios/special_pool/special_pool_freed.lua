-- special_pool_freed: code that is no driver's touches special pool after
-- it was freed. cfgcache.sys publishes a configuration block; its consumer
-- (the test body, standing in for the component that reads it) keeps the
-- pointer and reads it again after the driver unloaded and freed the block.
-- Special pool keeps freed pages unmapped: 0xCC, P1 the address, P2 0 (read).
scenario {
  verifier = "/flags 0x1 /driver cfgcache.sys",
  expect   = { bugcheck = 0xCC, p2 = 0 },
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
  local Published = Config
  assert(Published:u32(0) == 0x100)
  UnloadDriver "cfgcache.sys"
  local version = Published:u32(0) -- BUG: freed by the driver's unload
end)
