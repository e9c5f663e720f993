-- mdl_old_map_above_dispatch (clean twin): the frame is mapped at PASSIVE_LEVEL, with
-- MmMapLockedPagesSpecifyCache.
scenario {
  verifier = "/standard /driver grab.sys",
  expect   = "clean",
}

local FRAME_BYTES = 2 * 4096

local function MapFrame(Frame)
  return MmMapLockedPagesSpecifyCache(Frame.Mdl, KernelMode, MmCached, nil, FALSE,
                                      NormalPagePriority | MdlMappingNoExecute) -- right
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
