-- mdl_unmap_not_mapped (clean twin): the MDL of nonpaged pool is freed
-- without an unmap; a paged buffer's MDL, locked and mapped, is unmapped
-- before it is unlocked.
scenario {
  verifier = "/standard /driver cmdblk.sys",
  expect   = "clean",
}

local BLOCK_BYTES = 512

driver "cmdblk.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Block = ExAllocatePoolWithTag(NonPagedPoolNx, BLOCK_BYTES, "CmdB")
    local Paged = ExAllocatePoolWithTag(PagedPool, BLOCK_BYTES, "CmdB")
    local Mdl = Block and IoAllocateMdl(Block, BLOCK_BYTES, false, false, nil)
    local PagedMdl = Paged and IoAllocateMdl(Paged, BLOCK_BYTES, false, false, nil)
    if Mdl == nil or PagedMdl == nil then
      if Mdl ~= nil then IoFreeMdl(Mdl) end
      if PagedMdl ~= nil then IoFreeMdl(PagedMdl) end
      if Block ~= nil then ExFreePoolWithTag(Block, "CmdB") end
      if Paged ~= nil then ExFreePoolWithTag(Paged, "CmdB") end
      return STATUS_INSUFFICIENT_RESOURCES
    end
    MmBuildMdlForNonPagedPool(Mdl)
    local Va = MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority | MdlMappingNoExecute)
    RtlZeroMemory(Va, BLOCK_BYTES)
    IoFreeMdl(Mdl)                                             -- right: no unmap
    MmProbeAndLockPages(PagedMdl, KernelMode, IoWriteAccess)
    local PagedVa = MmGetSystemAddressForMdlSafe(PagedMdl, NormalPagePriority | MdlMappingNoExecute)
    if PagedVa ~= nil then
      RtlZeroMemory(PagedVa, BLOCK_BYTES)
      MmUnmapLockedPages(PagedVa, PagedMdl)
    end
    MmUnlockPages(PagedMdl)
    IoFreeMdl(PagedMdl)
    ExFreePoolWithTag(Paged, "CmdB")
    ExFreePoolWithTag(Block, "CmdB")
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cmdblk.sys"
  UnloadDriver "cmdblk.sys"
end)
