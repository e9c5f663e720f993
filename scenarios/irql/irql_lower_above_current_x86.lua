-- irql_lower_above_current on x86: the misordered restore lands on PROFILE_LEVEL, 27 there (0xC4/0x31, P3 = 0x1B).
scenario {
  arch     = "x86",
  verifier = "/standard /driver sampler.sys",
  -- P3 is the IRQL KeLowerIrql was asked for: PROFILE_LEVEL, 27 on x86 (15 on
  -- x64). The PROFILE_LEVEL global takes its x86 value only once scenario{}
  -- has run, so it is spelt out.
  expect   = { bugcheck = 0xC4, p1 = 0x31, p2 = PASSIVE_LEVEL, p3 = 27, p4 = 0,
               driver = "sampler.sys" },
}

-- Takes one sample of the performance counters, then re-arms the profile timer.
local function TakeSample(Sample)
  local ProfileOldIrql = KeRaiseIrql(PROFILE_LEVEL)  -- no profile interrupt mid-sample
  Sample[0] = 0x11
  local TimerOldIrql = KeRaiseIrql(HIGH_LEVEL)       -- re-arm with everything masked
  Sample[1] = 0x22
  -- BUG: restored in the wrong order: first to PASSIVE_LEVEL, then "down" to
  -- PROFILE_LEVEL, which is a raise. Undo the inner raise (TimerOldIrql) first.
  KeLowerIrql(ProfileOldIrql)
  KeLowerIrql(TimerOldIrql)
end

driver "sampler.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Sample = ExAllocatePoolWithTag(NonPagedPool, 64, "Smpl")
    if Sample == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    TakeSample(Sample)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Sample, "Smpl")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sampler.sys"
  Sleep "10ms"
  UnloadDriver "sampler.sys"
end)
