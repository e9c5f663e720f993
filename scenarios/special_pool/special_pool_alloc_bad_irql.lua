-- special_pool_alloc_bad_irql: paged pool requested at DISPATCH_LEVEL, in
-- special pool. kbdmap.sys is not verified; GFlags puts its tag in special
-- pool ("+spp Kbdm"). It allocates a new key map while holding its spin
-- lock. MmAllocateSpecialPool checks the IRQL first: 0xC1 with P4 = 0x30, P1
-- the IRQL, P2 the pool type, P3 the byte count.
scenario {
  gflags = "+spp Kbdm",
  expect = { bugcheck = 0xC1, p1 = DISPATCH_LEVEL, p2 = PagedPool, p3 = 256, p4 = 0x30,
             driver = "kbdmap.sys" },
}

driver "kbdmap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    local OldIrql = KeAcquireSpinLock(Lock)
    Map = ExAllocatePoolWithTag(PagedPool, 256, "Kbdm") -- BUG: paged pool under a spin lock
    KeReleaseSpinLock(Lock, OldIrql)
    DriverObject.DriverUnload = function(DriverObject)
      if Map ~= nil then
        ExFreePoolWithTag(Map, "Kbdm")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "kbdmap.sys"
  Sleep "10ms"
  UnloadDriver "kbdmap.sys"
end)
