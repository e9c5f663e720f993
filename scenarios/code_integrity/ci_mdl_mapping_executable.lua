-- ci_mdl_mapping_executable: a driver maps the pages of a paged buffer it
-- locked into system space with MmGetSystemAddressForMdlSafe and
-- NormalPagePriority alone: the mapping is executable. Code integrity
-- checks give 0xC4/0x2002, P3 the priority as passed (no MdlMappingNoExecute).
scenario {
  verifier = "/flags 0x20209BB /driver logq.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x2002, p3 = NormalPagePriority, p4 = 0,
               driver = "logq.sys" },
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
    -- BUG: add MdlMappingNoExecute to the priority.
    local Va = MmGetSystemAddressForMdlSafe(Log.Mdl, NormalPagePriority)
    if Va ~= nil then
      RtlZeroMemory(Va, LOG_BYTES)
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
