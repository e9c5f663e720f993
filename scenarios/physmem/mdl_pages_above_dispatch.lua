-- mdl_pages_above_dispatch: the ring driver takes spare pages for an MDL with
-- every interrupt masked: MmAllocatePagesForMdl(Ex) may be called at
-- DISPATCH_LEVEL at most (0xC4/0x7E, P2 the IRQL, P3 DISPATCH_LEVEL).
-- Under /standard, DDI compliance checking's IrqlMmApcLte (<= APC_LEVEL)
-- reports the call first; without it (/standard's other options) the
-- automatic check does.
scenario {
  verifier = "/flags 0x9BB /driver ring64.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x7E, p2 = HIGH_LEVEL, p3 = DISPATCH_LEVEL, p4 = 0,
               driver = "ring64.sys" },
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
    -- Spare pages for the device, taken while a spin lock keeps the ring
    -- from moving.
    local Lock = KSPIN_LOCK()
    KeInitializeSpinLock(Lock)
    local OldIrql = KeRaiseIrql(HIGH_LEVEL)
    -- BUG: MmAllocatePagesForMdlEx at HIGH_LEVEL.
    Ring.Pages = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, 2 * 4096, MmCached, 0)
    KeLowerIrql(OldIrql)
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
