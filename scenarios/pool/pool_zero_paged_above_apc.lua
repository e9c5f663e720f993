-- ExAllocatePoolZero is ExAllocatePoolWithTag with the memory zeroed (an
-- inline of wdm.h): paged pool asked for at DISPATCH_LEVEL is the same
-- violation, caught by the same check (0xC4/0x01, P3 the pool type as the
-- exported routine saw it: PagedPool | POOL_ZERO_ALLOCATION).
scenario {
  verifier = "/flags 0x9BB /driver zlog.sys", -- /standard without DDI compliance, whose
                                             -- IrqlExAllocatePool (0x20004) reports first
  expect   = { bugcheck = 0xC4, p1 = 0x01, p2 = DISPATCH_LEVEL,
               p3 = PagedPool | POOL_ZERO_ALLOCATION, p4 = 256, driver = "zlog.sys" },
}

driver "zlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local OldIrql = KeRaiseIrqlToDpcLevel()
    -- BUG: paged pool at DISPATCH_LEVEL; NonPagedPoolNx, or allocate before the raise.
    Record = ExAllocatePoolZero(PagedPool, 256, "ZLog")
    KeLowerIrql(OldIrql)
    DriverObject.DriverUnload = function() if Record then ExFreePool(Record) end end
    return STATUS_SUCCESS
  end,
}

run(function() LoadDriver "zlog.sys"; UnloadDriver "zlog.sys" end)
