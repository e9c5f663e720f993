-- mdl_probe_wrong_flags: a driver's common "lock the request buffer" helper
-- probes every MDL it is given, including one already built for nonpaged pool
-- by MmBuildMdlForNonPagedPool (0xC4/0xB0, P3 = the MDL's flags, P4 = the
-- offending one, MDL_SOURCE_IS_NONPAGED_POOL).
scenario {
  verifier = "/standard /driver cryptx.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xB0,
               p3 = MDL_ALLOCATED_FIXED_SIZE | MDL_SOURCE_IS_NONPAGED_POOL,
               p4 = MDL_SOURCE_IS_NONPAGED_POOL, driver = "cryptx.sys" },
}

local KEY_BYTES = 64
local DATA_BYTES = 4096

-- Makes a buffer's pages resident for the engine; returns an NTSTATUS.
local function LockBuffer(Mdl, Operation)
  return __try(function()
    -- BUG: called for the key MDL too, which MmBuildMdlForNonPagedPool has
    -- already filled in; an MDL for nonpaged pool must never be probed.
    MmProbeAndLockPages(Mdl, KernelMode, Operation)
    return STATUS_SUCCESS
  end, function(Code)
    return Code
  end)
end

local function FreeEngine(Engine)
  if Engine.KeyMdl ~= nil then IoFreeMdl(Engine.KeyMdl) end
  if Engine.DataMdl ~= nil then IoFreeMdl(Engine.DataMdl) end
  if Engine.Key ~= nil then ExFreePoolWithTag(Engine.Key, "CrKy") end
  if Engine.Data ~= nil then ExFreePoolWithTag(Engine.Data, "CrDt") end
end

driver "cryptx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Engine = {}
    Engine.Key = ExAllocatePoolWithTag(NonPagedPoolNx, KEY_BYTES, "CrKy")
    Engine.Data = ExAllocatePoolWithTag(PagedPool, DATA_BYTES, "CrDt")
    if Engine.Key ~= nil then
      Engine.KeyMdl = IoAllocateMdl(Engine.Key, KEY_BYTES, false, false, nil)
    end
    if Engine.Data ~= nil then
      Engine.DataMdl = IoAllocateMdl(Engine.Data, DATA_BYTES, false, false, nil)
    end
    if Engine.KeyMdl == nil or Engine.DataMdl == nil then
      FreeEngine(Engine)
      return STATUS_INSUFFICIENT_RESOURCES
    end
    MmBuildMdlForNonPagedPool(Engine.KeyMdl)
    Engine.DataLocked = LockBuffer(Engine.DataMdl, IoModifyAccess) == STATUS_SUCCESS
    Engine.KeyLocked = LockBuffer(Engine.KeyMdl, IoReadAccess) == STATUS_SUCCESS
    DriverObject.DriverUnload = function(DriverObject)
      if Engine.DataLocked then MmUnlockPages(Engine.DataMdl) end
      if Engine.KeyLocked then MmUnlockPages(Engine.KeyMdl) end
      FreeEngine(Engine)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cryptx.sys"
  Sleep "100ms"
  UnloadDriver "cryptx.sys"
end)
