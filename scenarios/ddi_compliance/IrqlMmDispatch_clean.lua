-- IrqlMmDispatch (clean twin): the ring is freed at DISPATCH_LEVEL, which
-- both readings of the rule allow (PASSIVE_LEVEL, the usual place, is clean
-- too by the rule page's <=, which drvsim follows).
scenario {
  verifier = "/standard /driver ring.sys",
  expect   = "clean",
}

local RING_BYTES = 2 * 4096

driver "ring.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = MmAllocateContiguousMemorySpecifyCache(RING_BYTES, 0, 0xFFFFFFFFFFFFFFFF, 0, MmCached)
    if Ring == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      local OldIrql = KeRaiseIrqlToDpcLevel()
      MmFreeContiguousMemory(Ring)                              -- right
      KeLowerIrql(OldIrql)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ring.sys"
  UnloadDriver "ring.sys"
end)
