-- mdl_unmap_above_dispatch: a tracing driver seals its log with every
-- interrupt masked (HIGH_LEVEL) and releases the log's system mapping in the
-- same breath; MmUnmapLockedPages of a system address is allowed at
-- DISPATCH_LEVEL at most (0xC4/0x79, P2 = the IRQL).
scenario {
  verifier = "/standard /driver tracelog.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x79, p2 = HIGH_LEVEL, driver = "tracelog.sys" },
}

local LOG_BYTES = 3 * 4096

-- Writes the end-of-log marker so a crash dump finds a consistent log.
local function SealLog(Log)
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)
  Log.Va:write(0, "END!")
  -- BUG: the mapping is released at HIGH_LEVEL. Seal the log here, and
  -- unmap after KeLowerIrql.
  MmUnmapLockedPages(Log.Va, Log.Mdl)
  Log.Va = nil
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
      if Log.Va ~= nil then
        MmUnmapLockedPages(Log.Va, Log.Mdl)
      end
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
