-- mdl_map_bugcheck_on_failure (clean twin): the surface is mapped with
-- BugCheckOnFailure = FALSE, and a failed mapping fails DriverEntry cleanly.
scenario {
  verifier = "/standard /driver surfcap.sys",
  expect   = "clean",
}

local SURFACE_BYTES = 4 * 4096

driver "surfcap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Surface = {}
    Surface.Buffer = ExAllocatePoolWithTag(PagedPool, SURFACE_BYTES, "SfCp")
    if Surface.Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Surface.Mdl = IoAllocateMdl(Surface.Buffer, SURFACE_BYTES, false, false, nil)
    if Surface.Mdl == nil then
      ExFreePoolWithTag(Surface.Buffer, "SfCp")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Status = __try(function()
      MmProbeAndLockPages(Surface.Mdl, KernelMode, IoWriteAccess)
      return STATUS_SUCCESS
    end, function(Code)
      return Code
    end)
    if Status ~= STATUS_SUCCESS then
      IoFreeMdl(Surface.Mdl)
      ExFreePoolWithTag(Surface.Buffer, "SfCp")
      return Status
    end
    Surface.Va = MmMapLockedPagesSpecifyCache(Surface.Mdl, KernelMode, MmCached, nil, FALSE,
                                              NormalPagePriority | MdlMappingNoExecute)
    if Surface.Va == nil then           -- right: a failed mapping is handled
      MmUnlockPages(Surface.Mdl)
      IoFreeMdl(Surface.Mdl)
      ExFreePoolWithTag(Surface.Buffer, "SfCp")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Surface.Va, SURFACE_BYTES)
    DriverObject.DriverUnload = function(DriverObject)
      MmUnmapLockedPages(Surface.Va, Surface.Mdl)
      MmUnlockPages(Surface.Mdl)
      IoFreeMdl(Surface.Mdl)
      ExFreePoolWithTag(Surface.Buffer, "SfCp")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "surfcap.sys"
  Sleep "100ms"
  UnloadDriver "surfcap.sys"
end)
