-- mdl_old_map_user_above_apc: the frame grabber maps its frame into the calling
-- application with MmMapLockedPages(UserMode) while holding a spin lock:
-- a user-space mapping is allowed at APC_LEVEL at most (0xC4/0x75, P2 the
-- IRQL, P4 the access mode).
scenario {
  verifier = "/standard /driver grab.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x75, p2 = DISPATCH_LEVEL, p4 = UserMode, driver = "grab.sys" },
}

local FRAME_BYTES = 2 * 4096

local function MapFrame(Frame)
  local Lock = KSPIN_LOCK()
  KeInitializeSpinLock(Lock)
  local OldIrql = KeAcquireSpinLock(Lock)
  -- BUG: a user-space mapping at DISPATCH_LEVEL.
  local Va = MmMapLockedPages(Frame.Mdl, UserMode)
  KeReleaseSpinLock(Lock, OldIrql)
  return Va
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
