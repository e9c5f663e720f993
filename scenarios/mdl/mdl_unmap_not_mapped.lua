-- mdl_unmap_not_mapped: a driver describes a nonpaged command block with
-- MmBuildMdlForNonPagedPool, takes its system address, and at the end
-- "unmaps" it: nonpaged pool was never mapped for the MDL (its address is
-- its own), so the MDL is not mapped to system space (0xC4/0xB6, P3 the
-- MDL's flags, P4 the missing MDL_MAPPED_TO_SYSTEM_VA).
scenario {
  verifier = "/standard /driver cmdblk.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xB6, p3 = MDL_ALLOCATED_FIXED_SIZE | MDL_SOURCE_IS_NONPAGED_POOL,
               p4 = MDL_MAPPED_TO_SYSTEM_VA, driver = "cmdblk.sys" },
}

local BLOCK_BYTES = 512

driver "cmdblk.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Block = ExAllocatePoolWithTag(NonPagedPoolNx, BLOCK_BYTES, "CmdB")
    if Block == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Mdl = IoAllocateMdl(Block, BLOCK_BYTES, false, false, nil)
    if Mdl == nil then
      ExFreePoolWithTag(Block, "CmdB")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    MmBuildMdlForNonPagedPool(Mdl)
    local Va = MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority | MdlMappingNoExecute)
    RtlZeroMemory(Va, BLOCK_BYTES)
    -- BUG: nothing was mapped for this MDL: there is nothing to unmap.
    MmUnmapLockedPages(Va, Mdl)
    IoFreeMdl(Mdl)
    ExFreePoolWithTag(Block, "CmdB")
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cmdblk.sys"
  UnloadDriver "cmdblk.sys"
end)
