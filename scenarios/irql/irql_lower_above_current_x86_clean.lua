-- irql_lower_above_current on x86 (clean twin): the sampler undoes its raises innermost first.
scenario {
  arch     = "x86",
  verifier = "/standard /driver sampler.sys",
  expect   = "clean",
}

-- Takes one sample of the performance counters, then re-arms the profile timer.
local function TakeSample(Sample)
  local ProfileOldIrql = KeRaiseIrql(PROFILE_LEVEL)  -- 27 on x86
  Sample[0] = 0x11
  local TimerOldIrql = KeRaiseIrql(HIGH_LEVEL)       -- 31 on x86
  Sample[1] = 0x22
  KeLowerIrql(TimerOldIrql)                          -- right: HIGH_LEVEL -> PROFILE_LEVEL
  KeLowerIrql(ProfileOldIrql)                        -- then PROFILE_LEVEL -> PASSIVE_LEVEL
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
