-- mdl_map_bugcheck_on_failure: a display-capture driver maps its locked
-- surface with BugCheckOnFailure = TRUE, letting the system crash when system
-- PTEs run out instead of failing the request; the verifier rejects the
-- request itself (0xC4/0x82, P3 = the MDL's flags: locked for write).
scenario {
  verifier = "/standard /driver surfcap.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x82,
               p3 = MDL_ALLOCATED_FIXED_SIZE | MDL_PAGES_LOCKED | MDL_WRITE_OPERATION,
               p4 = 0, driver = "surfcap.sys" },
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
    -- BUG: BugCheckOnFailure = TRUE. Pass FALSE and handle a NULL mapping
    -- (STATUS_INSUFFICIENT_RESOURCES).
    Surface.Va = MmMapLockedPagesSpecifyCache(Surface.Mdl, KernelMode, MmCached, nil, TRUE,
                                              NormalPagePriority | MdlMappingNoExecute)
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
