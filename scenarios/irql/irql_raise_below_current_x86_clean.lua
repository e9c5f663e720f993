-- irql_raise_below_current on x86 (clean twin): the clock latch is undone with KeLowerIrql.
scenario {
  arch     = "x86",
  verifier = "/standard /driver rtclock.sys",
  expect   = "clean",
}

-- Latches the CMOS clock registers with every interrupt masked.
local function LatchClock(Shadow)
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)    -- 31 on x86
  Shadow[0] = 0x0B                           -- register B: set the SET bit
  Shadow[1] = 0x80
  KeLowerIrql(OldIrql)                       -- right: back to PASSIVE_LEVEL
end

driver "rtclock.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Shadow = ExAllocatePoolWithTag(NonPagedPool, 16, "RtcS")
    if Shadow == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    LatchClock(Shadow)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Shadow, "RtcS")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "rtclock.sys"
  Sleep "10ms"
  UnloadDriver "rtclock.sys"
end)
