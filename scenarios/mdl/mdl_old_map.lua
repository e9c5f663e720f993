-- mdl_old_map: a frame grabber maps its locked frame buffer with the old
-- MmMapLockedPages, which bug-checks the system when it cannot map; the
-- verifier reports the call itself (0xC4/0x81, P2 the MDL, P3 its flags).
scenario {
  verifier = "/standard /driver grab.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x81, p3 = MDL_ALLOCATED_FIXED_SIZE | MDL_PAGES_LOCKED | MDL_WRITE_OPERATION,
               p4 = 0, driver = "grab.sys" },
}

local FRAME_BYTES = 2 * 4096

local function MapFrame(Frame)
  -- BUG: MmMapLockedPages bug-checks on failure: use
  -- MmMapLockedPagesSpecifyCache with BugCheckOnFailure FALSE.
  return MmMapLockedPages(Frame.Mdl, KernelMode)
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
