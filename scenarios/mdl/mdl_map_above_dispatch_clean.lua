-- mdl_map_above_dispatch (clean twin): the sense buffer is mapped in the DPC,
-- at DISPATCH_LEVEL (a KernelMode mapping is allowed there); the ISR at
-- device IRQL only acknowledges the adapter.
local HBA_DIRQL = 5                     -- the IRQL of the adapter's interrupt

scenario {
  verifier = "/standard /driver sensemp.sys",
  expect   = "clean",
}

local SENSE_BYTES = 18

-- The interrupt service routine: the adapter reported CHECK CONDITION.
local function HbaInterrupt(Ext)
  local OldIrql = KeRaiseIrql(HBA_DIRQL)
  Ext.CheckCondition = true             -- right: no mapping at device IRQL
  KeLowerIrql(OldIrql)
end

-- The DPC the ISR queues: copies the sense data at DISPATCH_LEVEL.
local function HbaDpc(Ext)
  local OldIrql = KeRaiseIrqlToDpcLevel()
  if Ext.CheckCondition then
    local SenseVa = MmGetSystemAddressForMdlSafe(Ext.SenseMdl, NormalPagePriority)
    if SenseVa ~= nil then
      SenseVa[0] = 0x70                 -- response code: current error
      SenseVa[2] = 0x06                 -- UNIT ATTENTION
    end
  end
  KeLowerIrql(OldIrql)
end

driver "sensemp.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ext = { CheckCondition = false }
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
    HbaDpc(Ext)
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
