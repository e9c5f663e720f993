-- memory_allocations_injected_clean: low resources simulation fails the
-- memory manager's other allocating routines and error log entries too
-- (low-resources-simulation.md: MmMapIoSpace, contiguous memory,
-- MmAllocatePagesForMdl(Ex), IoAllocateErrorLogEntry). With every eligible
-- call failed, each returns NULL, counted as deliberate; a driver that
-- checks each one survives. MmMapIoSpaceEx and MmAllocateNonCachedMemory,
-- which the page does not list, are not failed. (These calls have no pool tag: only a
-- /faults without a PoolTags filter selects them.)
scenario {
  verifier = "/flags 0x4 /faults 10000 \"\" \"\" 0 /driver memnull.sys",
  expect   = "clean",
}

driver "memnull.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    assert(MmMapIoSpace(0xFED00000, 0x400, MmNonCached) == nil)
    local Regs = MmMapIoSpaceEx(0xFED00000, 0x400, PAGE_READWRITE | PAGE_NOCACHE)
    assert(Regs ~= nil, "not in the list")
    MmUnmapIoSpace(Regs, 0x400)
    assert(MmAllocateContiguousMemory(8192, 0xFFFFFFFFFFFFFFFF) == nil)
    assert(MmAllocateContiguousMemorySpecifyCache(8192, 0, 0xFFFFFFFFFFFFFFFF, 0, MmCached) == nil)
    local Bounce = MmAllocateNonCachedMemory(4096)
    assert(Bounce ~= nil, "not in the list")
    MmFreeNonCachedMemory(Bounce, 4096)
    assert(MmAllocatePagesForMdl(0, 0xFFFFFFFFFFFFFFFF, 0, 8192) == nil)
    assert(MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, 8192, MmCached, 0) == nil)
    assert(IoAllocateErrorLogEntry(DriverObject, 64) == nil)
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "memnull.sys"
  assert(Query().AllocationsFailedDeliberately == 6)
  UnloadDriver "memnull.sys"
end)
