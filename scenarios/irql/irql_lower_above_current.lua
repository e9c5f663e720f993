-- irql_lower_above_current: nested raises undone in the wrong order, so the last KeLowerIrql raises the IRQL (0xC4/0x31).
scenario {
  verifier = "/standard /driver ledctl.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x31, p2 = PASSIVE_LEVEL, p3 = DISPATCH_LEVEL, p4 = 0,
               driver = "ledctl.sys" },
}

-- Writes the LED pattern into the register shadow, then pulses the latch.
local function WriteLedRegisters(Shadow, Pattern)
  local DpcOldIrql = KeRaiseIrql(DISPATCH_LEVEL)   -- keep the refresh DPC off this CPU
  Shadow[0] = Pattern
  local LatchOldIrql = KeRaiseIrql(HIGH_LEVEL)     -- and every interrupt, for the latch
  Shadow[1] = 1
  Shadow[1] = 0
  -- BUG: the IRQLs are restored in the wrong order. KeLowerIrql(DpcOldIrql)
  -- drops straight to PASSIVE_LEVEL; KeLowerIrql(LatchOldIrql) then "lowers"
  -- to DISPATCH_LEVEL, i.e. raises. Undo the inner raise first.
  KeLowerIrql(DpcOldIrql)
  KeLowerIrql(LatchOldIrql)
end

driver "ledctl.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Shadow = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "LedS")
    if Shadow == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    WriteLedRegisters(Shadow, 0x5A)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Shadow, "LedS")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ledctl.sys"
  Sleep "10ms"
  UnloadDriver "ledctl.sys"
end)
