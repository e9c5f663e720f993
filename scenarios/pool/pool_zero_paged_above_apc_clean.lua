-- Clean twin of pool_zero_paged_above_apc.lua: the same driver allocates
-- from nonpaged pool at DISPATCH_LEVEL, which is allowed.
scenario {
  verifier = "/standard /driver zlog.sys",
  expect   = "clean",
}

driver "zlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local OldIrql = KeRaiseIrqlToDpcLevel()
    -- Nonpaged pool may be allocated at DISPATCH_LEVEL.
    Record = ExAllocatePoolZero(NonPagedPoolNx, 256, "ZLog")
    KeLowerIrql(OldIrql)
    DriverObject.DriverUnload = function() if Record then ExFreePool(Record) end end
    return STATUS_SUCCESS
  end,
}

run(function() LoadDriver "zlog.sys"; UnloadDriver "zlog.sys" end)
