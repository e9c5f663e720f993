-- Force IRQL checking, clean twin: the driver copies what it needs from paged
-- memory before raising the IRQL, so nothing pageable is touched at
-- DISPATCH_LEVEL even with every pageable page trimmed.
scenario {
  verifier = "/flags 0x2 /driver cfgrd.sys",
  expect   = "clean",
}

local Config

driver "cfgrd.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Config = ExAllocatePoolWithTag(PagedPool, 64, "CfgR")
    if Config == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Config[0] = 7
    local Interval = Config[0] -- read at PASSIVE_LEVEL
    local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
    -- ... program the timer with Interval ...
    KeLowerIrql(OldIrql)
    assert(Config[0] == Interval) -- paged back in at PASSIVE_LEVEL
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Config, "CfgR")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgrd.sys"
  UnloadDriver "cfgrd.sys"
  assert(Query().Trims == 1, "one trim: the one raise to DISPATCH_LEVEL")
end)
