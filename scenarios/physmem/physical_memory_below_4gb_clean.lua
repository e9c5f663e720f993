-- physical_memory_below_4gb (clean twin): the ring takes any physical address; extra
-- pages for an MDL are asked for with no upper bound too, mapped, written,
-- unmapped and given back before the MDL is freed.
scenario {
  verifier = "/standard /driver ring64.sys",
  expect   = "clean",
}

local RING_BYTES = 3 * 4096

driver "ring64.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = {}
    -- The device does 64-bit DMA: any physical address will do.
    Ring.Va = MmAllocateContiguousMemorySpecifyCache(RING_BYTES, 0, 0xFFFFFFFFFFFFFFFF, 0,
                                                     MmCached)
    if Ring.Va == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Physical = MmGetPhysicalAddress(Ring.Va)
    assert(MmGetPhysicalAddress(Ring.Va + 4096) == Physical + 4096, "contiguous pages")
    RtlZeroMemory(Ring.Va, RING_BYTES)
    Ring.Pages = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, 2 * 4096, MmCached, 0)
    if Ring.Pages ~= nil then
      local Va = MmGetSystemAddressForMdlSafe(Ring.Pages, NormalPagePriority | MdlMappingNoExecute)
      if Va ~= nil then
        RtlFillMemory(Va, 2 * 4096, 0x5A)
        MmUnmapLockedPages(Va, Ring.Pages)
      end
    end
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
