-- pool_free_bad_address: at unload a driver frees its built-in default configuration, a global that never came from the pool (0xC4/0x10).
scenario {
  verifier = "/standard /driver netcfg.sys",
  -- P2 is the address freed: DefaultConfig, inside the image.
  expect   = { bugcheck = 0xC4, p1 = 0x10, p3 = 0, p4 = 0, driver = "netcfg.sys" },
}

local CONFIG_SIZE = 64

-- Reads Parameters\Config into a pool buffer; the key is absent on this machine.
local function ReadConfig(RegistryPath)
  return STATUS_OBJECT_NAME_NOT_FOUND, nil
end

driver "netcfg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- static UCHAR DefaultConfig[CONFIG_SIZE] in the image's .data section
    DefaultConfig = DriverObject.DriverStart + 0x400
    local Status
    Status, Config = ReadConfig(RegistryPath)
    if Status ~= STATUS_SUCCESS then
      Config = DefaultConfig                 -- fall back to the built-in defaults
    end
    DriverObject.DriverUnload = function(DriverObject)
      -- BUG: Config is freed unconditionally, but it may point at
      -- DefaultConfig, which no pool allocation returned.
      ExFreePoolWithTag(Config, "NCfg")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netcfg.sys"
  Sleep "10ms"
  UnloadDriver "netcfg.sys"
end)
