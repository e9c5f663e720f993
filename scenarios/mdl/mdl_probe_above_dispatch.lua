-- mdl_probe_above_dispatch: a capture driver locks its frame buffer from the
-- routine it runs synchronized with its interrupt, at device IRQL; probing can
-- page memory in, so MmProbeAndLockPages is allowed at DISPATCH_LEVEL at most
-- (0xC4/0x70, P2 = the IRQL, P4 = the access mode).
local CAPTURE_DIRQL = 6                 -- the IRQL of the capture card's interrupt

scenario {
  verifier = "/standard /driver vcap.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x70, p2 = CAPTURE_DIRQL, p4 = KernelMode,
               driver = "vcap.sys" },
}

local FRAME_BYTES = 2 * 4096

-- Arms the capture engine; runs with the card's interrupt masked, as a
-- KeSynchronizeExecution callback would.
local function StartCapture(Ext)
  local OldIrql = KeRaiseIrql(CAPTURE_DIRQL)
  local Locked = __try(function()
    -- BUG: the frame buffer is paged pool, locked here at device IRQL. Lock it
    -- at PASSIVE_LEVEL before arming the card.
    MmProbeAndLockPages(Ext.FrameMdl, KernelMode, IoWriteAccess)
    return true
  end, function(Code)
    return false
  end)
  Ext.Locked = Locked
  KeLowerIrql(OldIrql)
end

driver "vcap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ext = { Locked = false }
    Ext.Frame = ExAllocatePoolWithTag(PagedPool, FRAME_BYTES, "VcFr")
    if Ext.Frame == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Ext.FrameMdl = IoAllocateMdl(Ext.Frame, FRAME_BYTES, false, false, nil)
    if Ext.FrameMdl == nil then
      ExFreePoolWithTag(Ext.Frame, "VcFr")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    StartCapture(Ext)
    DriverObject.DriverUnload = function(DriverObject)
      if Ext.Locked then
        MmUnlockPages(Ext.FrameMdl)
      end
      IoFreeMdl(Ext.FrameMdl)
      ExFreePoolWithTag(Ext.Frame, "VcFr")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "vcap.sys"
  Sleep "100ms"
  UnloadDriver "vcap.sys"
end)
