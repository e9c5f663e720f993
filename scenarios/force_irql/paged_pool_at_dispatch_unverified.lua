-- The same driver as paged_pool_at_dispatch.lua, not verified: the page is
-- resident and the bug goes unnoticed, which is why the option exists.
scenario {
  expect = "clean",
}

local Config

driver "cfgrd.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Config = ExAllocatePoolWithTag(PagedPool, 64, "CfgR")
    Config[0] = 7
    local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
    local Interval = Config[0] -- the same bug, hidden
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
