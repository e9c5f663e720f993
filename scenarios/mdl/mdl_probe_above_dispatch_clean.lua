-- mdl_probe_above_dispatch (clean twin): the frame buffer is locked at
-- PASSIVE_LEVEL and mapped before the card is armed; at device IRQL the driver
-- only writes through the system address of the locked pages.
local CAPTURE_DIRQL = 6                 -- the IRQL of the capture card's interrupt

scenario {
  verifier = "/standard /driver vcap.sys",
  expect   = "clean",
}

local FRAME_BYTES = 2 * 4096

-- Arms the capture engine; runs with the card's interrupt masked, as a
-- KeSynchronizeExecution callback would.
local function StartCapture(Ext)
  local OldIrql = KeRaiseIrql(CAPTURE_DIRQL)
  Ext.FrameVa[0] = 0xFF                 -- right: resident, locked pages
  Ext.FrameVa[4096] = 0xFF
  KeLowerIrql(OldIrql)
end

driver "vcap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ext = {}
    Ext.Frame = ExAllocatePoolWithTag(PagedPool, FRAME_BYTES, "VcFr")
    if Ext.Frame == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Ext.FrameMdl = IoAllocateMdl(Ext.Frame, FRAME_BYTES, false, false, nil)
    if Ext.FrameMdl == nil then
      ExFreePoolWithTag(Ext.Frame, "VcFr")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Status = __try(function()
      MmProbeAndLockPages(Ext.FrameMdl, KernelMode, IoWriteAccess)
      return STATUS_SUCCESS
    end, function(Code)
      return Code
    end)
    if Status ~= STATUS_SUCCESS then
      IoFreeMdl(Ext.FrameMdl)
      ExFreePoolWithTag(Ext.Frame, "VcFr")
      return Status
    end
    Ext.FrameVa = MmGetSystemAddressForMdlSafe(Ext.FrameMdl, NormalPagePriority)
    if Ext.FrameVa == nil then
      MmUnlockPages(Ext.FrameMdl)
      IoFreeMdl(Ext.FrameMdl)
      ExFreePoolWithTag(Ext.Frame, "VcFr")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    StartCapture(Ext)
    DriverObject.DriverUnload = function(DriverObject)
      MmUnlockPages(Ext.FrameMdl)       -- also releases the system mapping
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
