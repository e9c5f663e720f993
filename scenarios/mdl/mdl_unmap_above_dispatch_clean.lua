-- mdl_unmap_above_dispatch (clean twin): the log is sealed at HIGH_LEVEL, and
-- its system mapping released after the IRQL is back at PASSIVE_LEVEL.
scenario {
  verifier = "/standard /driver tracelog.sys",
  expect   = "clean",
}

local LOG_BYTES = 3 * 4096

-- Writes the end-of-log marker so a crash dump finds a consistent log.
local function SealLog(Log)
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)
  Log.Va:write(0, "END!")               -- right: only the write at HIGH_LEVEL
  KeLowerIrql(OldIrql)
end

driver "tracelog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Log = {}
    Log.Buffer = ExAllocatePoolWithTag(PagedPool, LOG_BYTES, "TrcL")
    if Log.Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Log.Mdl = IoAllocateMdl(Log.Buffer, LOG_BYTES, false, false, nil)
    if Log.Mdl == nil then
      ExFreePoolWithTag(Log.Buffer, "TrcL")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Status = __try(function()
      MmProbeAndLockPages(Log.Mdl, KernelMode, IoWriteAccess)
      return STATUS_SUCCESS
    end, function(Code)
      return Code
    end)
    if Status ~= STATUS_SUCCESS then
      IoFreeMdl(Log.Mdl)
      ExFreePoolWithTag(Log.Buffer, "TrcL")
      return Status
    end
    Log.Va = MmMapLockedPagesSpecifyCache(Log.Mdl, KernelMode, MmCached, nil, FALSE,
                                          NormalPagePriority | MdlMappingNoExecute)
    if Log.Va == nil then
      MmUnlockPages(Log.Mdl)
      IoFreeMdl(Log.Mdl)
      ExFreePoolWithTag(Log.Buffer, "TrcL")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Log.Va:write(0, "LOG0")
    DriverObject.DriverUnload = function(DriverObject)
      SealLog(Log)
      MmUnmapLockedPages(Log.Va, Log.Mdl)
      MmUnlockPages(Log.Mdl)
      IoFreeMdl(Log.Mdl)
      ExFreePoolWithTag(Log.Buffer, "TrcL")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "tracelog.sys"
  Sleep "1s"
  UnloadDriver "tracelog.sys"
end)
