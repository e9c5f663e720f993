-- mdl_unlock_above_dispatch: an audio driver stops its stream in a routine
-- synchronized with the codec's interrupt, at device IRQL, and releases the
-- period buffer there; MmUnlockPages is allowed at DISPATCH_LEVEL at most
-- (0xC4/0x78, P2 = the IRQL, P4 = 0).
local CODEC_DIRQL = 8                   -- the IRQL of the codec's interrupt

scenario {
  verifier = "/standard /driver hdacx.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x78, p2 = CODEC_DIRQL, p4 = 0, driver = "hdacx.sys" },
}

local PERIOD_BYTES = 4096

-- Stops the DMA engine with the codec's interrupt masked, as a
-- KeSynchronizeExecution callback would.
local function StopStreamSynchronized(Stream)
  local OldIrql = KeRaiseIrql(CODEC_DIRQL)
  Stream.Running = false
  if Stream.Locked then
    -- BUG: the period buffer is unlocked at device IRQL. Stop the engine
    -- here, and unlock after KeSynchronizeExecution returns.
    MmUnlockPages(Stream.PeriodMdl)
    Stream.Locked = false
  end
  KeLowerIrql(OldIrql)
end

driver "hdacx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Stream = { Locked = false, Running = false }
    Stream.Period = ExAllocatePoolWithTag(PagedPool, PERIOD_BYTES, "HdaP")
    if Stream.Period == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Stream.PeriodMdl = IoAllocateMdl(Stream.Period, PERIOD_BYTES, false, false, nil)
    if Stream.PeriodMdl == nil then
      ExFreePoolWithTag(Stream.Period, "HdaP")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Status = __try(function()
      MmProbeAndLockPages(Stream.PeriodMdl, KernelMode, IoReadAccess)
      return STATUS_SUCCESS
    end, function(Code)
      return Code
    end)
    if Status ~= STATUS_SUCCESS then
      IoFreeMdl(Stream.PeriodMdl)
      ExFreePoolWithTag(Stream.Period, "HdaP")
      return Status
    end
    Stream.Locked = true
    Stream.Running = true
    DriverObject.DriverUnload = function(DriverObject)
      StopStreamSynchronized(Stream)
      if Stream.Locked then
        MmUnlockPages(Stream.PeriodMdl)
      end
      IoFreeMdl(Stream.PeriodMdl)
      ExFreePoolWithTag(Stream.Period, "HdaP")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "hdacx.sys"
  Sleep "100ms"
  UnloadDriver "hdacx.sys"
end)
