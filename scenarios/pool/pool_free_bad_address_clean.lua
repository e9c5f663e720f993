-- pool_free_bad_address (clean twin): the driver frees its configuration only when it came from the pool.
scenario {
  verifier = "/standard /driver netcfg.sys",
  expect   = "clean",
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
      if Config ~= DefaultConfig then        -- right: only pool goes back to the pool
        ExFreePoolWithTag(Config, "NCfg")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netcfg.sys"
  Sleep "10ms"
  UnloadDriver "netcfg.sys"
end)
