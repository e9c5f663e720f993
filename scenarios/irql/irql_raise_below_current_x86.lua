-- irql_raise_below_current on x86: KeRaiseIrql used to come back down from HIGH_LEVEL, which is 31 there (0xC4/0x30, P2 = 0x1F).
scenario {
  arch     = "x86",
  verifier = "/standard /driver rtclock.sys",
  -- P2 is the current IRQL: HIGH_LEVEL, 31 on x86 (15 on x64). The HIGH_LEVEL
  -- global takes its x86 value only once scenario{} has run, so it is spelt out.
  expect   = { bugcheck = 0xC4, p1 = 0x30, p2 = 31, p3 = PASSIVE_LEVEL, p4 = 0,
               driver = "rtclock.sys" },
}

-- Latches the CMOS clock registers with every interrupt masked.
local function LatchClock(Shadow)
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)
  Shadow[0] = 0x0B                           -- register B: set the SET bit
  Shadow[1] = 0x80
  -- BUG: "raising" to the saved IRQL to undo the raise; OldIrql is
  -- PASSIVE_LEVEL, below HIGH_LEVEL. The C code must call KeLowerIrql(OldIrql).
  KeRaiseIrql(OldIrql)
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
