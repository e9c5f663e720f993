-- mdl_map_user_above_apc (clean twin): the user-space mapping is made at PASSIVE_LEVEL.
scenario {
  verifier = "/standard /driver grab.sys",
  expect   = "clean",
}

local FRAME_BYTES = 2 * 4096

local function MapFrame(Frame)
  -- right: at PASSIVE_LEVEL, failing without a bug check (a user-mode
  -- mapping raises on failure: __try).
  return __try(function()
    return MmMapLockedPagesSpecifyCache(Frame.Mdl, UserMode, MmCached, nil, FALSE,
                                        NormalPagePriority)
  end, function(Code)
    return nil
  end)
end

driver "grab.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Frame = {}
    Frame.Buffer = ExAllocatePoolWithTag(PagedPool, FRAME_BYTES, "Frm ")
    if Frame.Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Frame.Mdl = IoAllocateMdl(Frame.Buffer, FRAME_BYTES, false, false, nil)
    if Frame.Mdl == nil then
      ExFreePoolWithTag(Frame.Buffer, "Frm ")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    MmProbeAndLockPages(Frame.Mdl, KernelMode, IoWriteAccess)
    local Va = MapFrame(Frame)
    if Va ~= nil then
      MmUnmapLockedPages(Va, Frame.Mdl)
    end
    MmUnlockPages(Frame.Mdl)
    IoFreeMdl(Frame.Mdl)
    ExFreePoolWithTag(Frame.Buffer, "Frm ")
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "grab.sys"
  UnloadDriver "grab.sys"
end)
