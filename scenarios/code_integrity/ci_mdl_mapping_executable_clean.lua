-- ci_mdl_mapping_executable (clean twin): both mappings ask for
-- MdlMappingNoExecute, the macro's and MmMapLockedPagesSpecifyCache's.
scenario {
  verifier = "/flags 0x20209BB /driver logq.sys",
  expect   = "clean",
}

local LOG_BYTES = 1024

driver "logq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Log = {}
    Log.Buffer = ExAllocatePoolWithTag(PagedPool, LOG_BYTES, "LogQ")
    if Log.Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Log.Mdl = IoAllocateMdl(Log.Buffer, LOG_BYTES, false, false, nil)
    if Log.Mdl == nil then
      ExFreePoolWithTag(Log.Buffer, "LogQ")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    MmProbeAndLockPages(Log.Mdl, KernelMode, IoWriteAccess)
    local Va = MmGetSystemAddressForMdlSafe(Log.Mdl,
                                            NormalPagePriority | MdlMappingNoExecute) -- right
    if Va ~= nil then
      RtlZeroMemory(Va, LOG_BYTES)
      MmUnmapLockedPages(Va, Log.Mdl)
    end
    Va = MmMapLockedPagesSpecifyCache(Log.Mdl, KernelMode, MmCached, nil, 0,
                                      NormalPagePriority | MdlMappingNoExecute)
    if Va ~= nil then
      MmUnmapLockedPages(Va, Log.Mdl)
    end
    MmUnlockPages(Log.Mdl)
    IoFreeMdl(Log.Mdl)
    ExFreePoolWithTag(Log.Buffer, "LogQ")
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "logq.sys"
  Sleep "10ms"
  UnloadDriver "logq.sys"
end)
