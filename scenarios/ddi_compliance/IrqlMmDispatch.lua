-- IrqlMmDispatch: a driver frees its contiguous ring at HIGH_LEVEL in
-- DriverUnload, above the DISPATCH_LEVEL the rule allows (its page says
-- <= DISPATCH_LEVEL; the 0xC4 page's "=" is not followed, see
-- sim/vf/ddi_rules.spec), so this is 0xC4/0x2001A.
scenario {
  verifier = "/standard /driver ring.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x2001A, p3 = 0, p4 = 0, driver = "ring.sys" },
}

local RING_BYTES = 2 * 4096

driver "ring.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = MmAllocateContiguousMemorySpecifyCache(RING_BYTES, 0, 0xFFFFFFFFFFFFFFFF, 0, MmCached)
    if Ring == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      local OldIrql = KeRaiseIrql(HIGH_LEVEL)
      MmFreeContiguousMemory(Ring) -- BUG: above DISPATCH_LEVEL
      KeLowerIrql(OldIrql)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ring.sys"
  UnloadDriver "ring.sys"
end)
