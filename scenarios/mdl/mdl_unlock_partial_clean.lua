-- mdl_unlock_partial (clean twin): each chunk's partial MDL is mapped for
-- the copy and made ready for the next chunk with MmPrepareMdlForReuse;
-- only the source MDL is unlocked, once.
scenario {
  verifier = "/standard /driver split.sys",
  expect   = "clean",
}

local TRANSFER_BYTES = 4 * 4096
local CHUNK_BYTES = 4096

driver "split.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Buffer = ExAllocatePoolWithTag(PagedPool, TRANSFER_BYTES, "Splt")
    if Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Source = IoAllocateMdl(Buffer, TRANSFER_BYTES, false, false, nil)
    local Chunk = IoAllocateMdl(Buffer, CHUNK_BYTES, false, false, nil)
    if Source == nil or Chunk == nil then
      if Source ~= nil then IoFreeMdl(Source) end
      if Chunk ~= nil then IoFreeMdl(Chunk) end
      ExFreePoolWithTag(Buffer, "Splt")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    MmProbeAndLockPages(Source, KernelMode, IoWriteAccess)
    for Offset = 0, TRANSFER_BYTES - CHUNK_BYTES, CHUNK_BYTES do
      IoBuildPartialMdl(Source, Chunk, Buffer + Offset, CHUNK_BYTES)
      assert(MmGetMdlVirtualAddress(Chunk) == Buffer + Offset, "the chunk's address")
      local Va = MmGetSystemAddressForMdlSafe(Chunk, NormalPagePriority | MdlMappingNoExecute)
      if Va ~= nil then
        RtlFillMemory(Va, CHUNK_BYTES, Offset // CHUNK_BYTES)
      end
      MmPrepareMdlForReuse(Chunk)                               -- right
    end
    assert(Buffer[3 * CHUNK_BYTES] == 3, "the last chunk was written")
    MmUnlockPages(Source)
    IoFreeMdl(Chunk)
    IoFreeMdl(Source)
    ExFreePoolWithTag(Buffer, "Splt")
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "split.sys"
  UnloadDriver "split.sys"
end)
