-- pool_quota_idle_process (clean twin): the timer DPC refills the ring from
-- plain nonpaged pool, charged to no process; quota is for allocations made
-- on behalf of a process, in its own context.
scenario {
  verifier = "/flags 0x8 /driver capture.sys",
  cpus     = 1,
  expect   = "clean",
}

local Timer, Dpc, Ring

local function RefillDpc(Dpc, Context, Arg1, Arg2)
  if #Ring < 4 then
    local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 512, "Capt")
    if Buffer ~= nil then
      Ring[#Ring + 1] = Buffer
    end
  end
end

driver "capture.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = {}
    Timer, Dpc = KTIMER(), KDPC()
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, RefillDpc, nil)
    KeSetTimerEx(Timer, -10000 * 50, 50, Dpc)          -- every 50 ms
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      for i = 1, #Ring do
        ExFreePoolWithTag(Ring[i], "Capt")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "capture.sys"
  Sleep "1s"
  UnloadDriver "capture.sys"
end)
