-- mdl_unlock_partial: a storage filter splits a locked transfer into
-- chunks with IoBuildPartialMdl, and after each chunk "releases" the chunk's
-- MDL with MmUnlockPages. A partial MDL locked nothing: its pages are the
-- source MDL's to unlock (0xC4/0xB4, P3 the MDL's flags, P4 MDL_PARTIAL).
scenario {
  verifier = "/standard /driver split.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xB4, p4 = MDL_PARTIAL, driver = "split.sys" },
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
      -- BUG: the chunk's pages belong to Source: call MmPrepareMdlForReuse.
      MmUnlockPages(Chunk)
    end
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
