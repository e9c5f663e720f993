-- mdl_old_map_above_dispatch: the frame grabber maps its frame with MmMapLockedPages
-- with every interrupt masked: a system-space mapping is allowed at
-- DISPATCH_LEVEL at most; the IRQL is checked before the call itself
-- (0xC4/0x74, P2 the IRQL, P4 the access mode).
scenario {
  verifier = "/standard /driver grab.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x74, p2 = HIGH_LEVEL, p4 = KernelMode, driver = "grab.sys" },
}

local FRAME_BYTES = 2 * 4096

local function MapFrame(Frame)
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)
  -- BUG: mapped at HIGH_LEVEL (and with the old routine).
  local Va = MmMapLockedPages(Frame.Mdl, KernelMode)
  KeLowerIrql(OldIrql)
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
