-- special_pool_alloc_bad_irql_clean: the twin of special_pool_alloc_bad_irql.
-- The driver allocates the key map before it takes the spin lock, and only
-- swaps the pointer under the lock.
scenario {
  gflags = "+spp Kbdm",
  expect = "clean",
}

driver "kbdmap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    local NewMap = ExAllocatePoolWithTag(PagedPool, 256, "Kbdm")
    if NewMap == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local OldIrql = KeAcquireSpinLock(Lock)
    Map = NewMap
    KeReleaseSpinLock(Lock, OldIrql)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Map, "Kbdm")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "kbdmap.sys"
  Sleep "10ms"
  UnloadDriver "kbdmap.sys"
end)
