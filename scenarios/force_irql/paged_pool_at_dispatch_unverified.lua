-- The same driver as paged_pool_at_dispatch.lua, not verified: whether the
-- page is resident at the raise is up to the paging model (a trim 1 raise in
-- 50, from the "paging" stream). On this seed it is, and the bug goes
-- unnoticed, which is why the option exists; a sweep finds the rare seeds
-- that crash (0xD1), e.g. seed 38 of
--   drvsim sweep scenarios/force_irql/paged_pool_at_dispatch_unverified.lua --seeds 1..100
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
