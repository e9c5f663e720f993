-- physical_memory_below_4gb: a 64-bit DMA driver allocates its descriptor ring with
-- MmAllocateContiguousMemory and a HighestAcceptableAddress of 4 GB - 1,
-- as its 32-bit ancestor did: on x64 the verifier reports an explicit
-- request for memory below 4 GB (0xC4/0x141, P2 the highest acceptable
-- address, P3 the size).
scenario {
  verifier = "/standard /driver ring64.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x141, p2 = 0xFFFFFFFF, p3 = 3 * 4096, p4 = 0,
               driver = "ring64.sys" },
}

local RING_BYTES = 3 * 4096

driver "ring64.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = {}
    -- BUG: the device does 64-bit DMA; asking for memory below 4 GB takes
    -- it from where 32-bit devices need it. Pass 0xFFFFFFFFFFFFFFFF.
    Ring.Va = MmAllocateContiguousMemory(RING_BYTES, 0xFFFFFFFF)
    if Ring.Va == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Physical = MmGetPhysicalAddress(Ring.Va)
    assert(MmGetPhysicalAddress(Ring.Va + 4096) == Physical + 4096, "contiguous pages")
    RtlZeroMemory(Ring.Va, RING_BYTES)

    DriverObject.DriverUnload = function(DriverObject)
      -- MmFreeContiguousMemory at DISPATCH_LEVEL: the 0xC4 page's reading of
      -- IrqlMmDispatch ("="), which <= allows too.
      local OldIrql = KeRaiseIrqlToDpcLevel()
      MmFreeContiguousMemory(Ring.Va)
      KeLowerIrql(OldIrql)
      if Ring.Pages ~= nil then
        MmFreePagesFromMdl(Ring.Pages)
        ExFreePool(Ring.Pages)
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ring64.sys"
  Sleep "1ms"
  UnloadDriver "ring64.sys"
end)
