-- memory_allocations_injected_clean: low resources simulation fails the
-- memory manager's other allocating routines and error log entries too
-- (low-resources-simulation.md: MmMapIoSpace, contiguous and non-cached
-- memory, MmAllocatePagesForMdl(Ex), IoAllocateErrorLogEntry). With every
-- eligible call failed, each returns NULL, counted as deliberate; a driver
-- that checks each one survives. (These calls have no pool tag: only a
-- /faults without a PoolTags filter selects them.)
scenario {
  verifier = "/flags 0x4 /faults 10000 \"\" \"\" 0 /driver memnull.sys",
  expect   = "clean",
}

driver "memnull.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    assert(MmMapIoSpace(0xFED00000, 0x400, MmNonCached) == nil)
    assert(MmMapIoSpaceEx(0xFED00000, 0x400, PAGE_READWRITE | PAGE_NOCACHE) == nil)
    assert(MmAllocateContiguousMemory(8192, 0xFFFFFFFFFFFFFFFF) == nil)
    assert(MmAllocateContiguousMemorySpecifyCache(8192, 0, 0xFFFFFFFFFFFFFFFF, 0, MmCached) == nil)
    assert(MmAllocateNonCachedMemory(4096) == nil)
    assert(MmAllocatePagesForMdl(0, 0xFFFFFFFFFFFFFFFF, 0, 8192) == nil)
    assert(MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, 8192, MmCached, 0) == nil)
    assert(IoAllocateErrorLogEntry(DriverObject, 64) == nil)
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "memnull.sys"
  assert(Query().AllocationsFailedDeliberately == 8)
  UnloadDriver "memnull.sys"
end)
