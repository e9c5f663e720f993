-- mdl_probe_wrong_flags (clean twin): only the paged data buffer is probed and
-- locked; the key's MDL, built by MmBuildMdlForNonPagedPool, is used as it is.
scenario {
  verifier = "/standard /driver cryptx.sys",
  expect   = "clean",
}

local KEY_BYTES = 64
local DATA_BYTES = 4096

-- Makes a buffer's pages resident for the engine; returns an NTSTATUS.
local function LockBuffer(Mdl, Operation)
  return __try(function()
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
    MmBuildMdlForNonPagedPool(Engine.KeyMdl)          -- right: never probed
    Engine.DataLocked = LockBuffer(Engine.DataMdl, IoModifyAccess) == STATUS_SUCCESS
    DriverObject.DriverUnload = function(DriverObject)
      if Engine.DataLocked then MmUnlockPages(Engine.DataMdl) end
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
