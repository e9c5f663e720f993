-- mdl_map_above_dispatch: a storage miniport copies sense data into the
-- request's buffer from its interrupt routine, mapping the buffer there at
-- device IRQL; a KernelMode mapping is allowed at DISPATCH_LEVEL at most
-- (0xC4/0x76, P2 = the IRQL, P4 = the access mode).
local HBA_DIRQL = 5                     -- the IRQL of the adapter's interrupt

scenario {
  verifier = "/standard /driver sensemp.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x76, p2 = HBA_DIRQL, p4 = KernelMode,
               driver = "sensemp.sys" },
}

local SENSE_BYTES = 18

-- The interrupt service routine: the adapter reported CHECK CONDITION.
local function HbaInterrupt(Ext)
  local OldIrql = KeRaiseIrql(HBA_DIRQL)
  -- BUG: the mapping is made in the ISR, at device IRQL. Map the buffer when
  -- the request is started (or in the DPC) and only copy here.
  local SenseVa = MmGetSystemAddressForMdlSafe(Ext.SenseMdl, NormalPagePriority)
  if SenseVa ~= nil then
    SenseVa[0] = 0x70                   -- response code: current error
    SenseVa[2] = 0x06                   -- UNIT ATTENTION
  end
  KeLowerIrql(OldIrql)
end

driver "sensemp.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ext = {}
    Ext.Sense = ExAllocatePoolWithTag(PagedPool, SENSE_BYTES, "SnsB")
    if Ext.Sense == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Ext.SenseMdl = IoAllocateMdl(Ext.Sense, SENSE_BYTES, false, false, nil)
    if Ext.SenseMdl == nil then
      ExFreePoolWithTag(Ext.Sense, "SnsB")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Status = __try(function()
      MmProbeAndLockPages(Ext.SenseMdl, KernelMode, IoWriteAccess)
      return STATUS_SUCCESS
    end, function(Code)
      return Code
    end)
    if Status ~= STATUS_SUCCESS then
      IoFreeMdl(Ext.SenseMdl)
      ExFreePoolWithTag(Ext.Sense, "SnsB")
      return Status
    end
    HbaInterrupt(Ext)
    DriverObject.DriverUnload = function(DriverObject)
      MmUnlockPages(Ext.SenseMdl)       -- also releases the system mapping
      IoFreeMdl(Ext.SenseMdl)
      ExFreePoolWithTag(Ext.Sense, "SnsB")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensemp.sys"
  Sleep "100ms"
  UnloadDriver "sensemp.sys"
end)
