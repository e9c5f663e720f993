-- Force IRQL checking (0x2): a driver reads its paged configuration while
-- holding the IRQL at DISPATCH_LEVEL. On a real machine the page is usually
-- resident and the bug hides; with 0x2 the verifier trims pageable memory at
-- every raise to DISPATCH_LEVEL, so the read faults at once: 0xD1, P1 the
-- address, P2 the IRQL, P3 0 (a read).
scenario {
  verifier = "/flags 0x2 /driver cfgrd.sys",
  expect   = { bugcheck = 0xD1, p2 = DISPATCH_LEVEL, p3 = 0, driver = "cfgrd.sys" },
}

local Config

driver "cfgrd.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Config = ExAllocatePoolWithTag(PagedPool, 64, "CfgR")
    if Config == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Config[0] = 7 -- the polling interval, written at PASSIVE_LEVEL
    local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
    local Interval = Config[0] -- BUG: paged memory touched at DISPATCH_LEVEL
    KeLowerIrql(OldIrql)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Config, "CfgR")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgrd.sys"
  UnloadDriver "cfgrd.sys"
end)
