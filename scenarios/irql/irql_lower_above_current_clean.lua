-- irql_lower_above_current (clean twin): nested raises are undone innermost first.
scenario {
  verifier = "/standard /driver ledctl.sys",
  expect   = "clean",
}

-- Writes the LED pattern into the register shadow, then pulses the latch.
local function WriteLedRegisters(Shadow, Pattern)
  local DpcOldIrql = KeRaiseIrql(DISPATCH_LEVEL)   -- keep the refresh DPC off this CPU
  Shadow[0] = Pattern
  local LatchOldIrql = KeRaiseIrql(HIGH_LEVEL)     -- and every interrupt, for the latch
  Shadow[1] = 1
  Shadow[1] = 0
  KeLowerIrql(LatchOldIrql)                        -- right: HIGH_LEVEL -> DISPATCH_LEVEL
  KeLowerIrql(DpcOldIrql)                          -- then DISPATCH_LEVEL -> PASSIVE_LEVEL
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
