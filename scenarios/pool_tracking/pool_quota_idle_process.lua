-- pool_quota_idle_process: a capture driver refills its buffer ring from a
-- periodic timer DPC, and charges each buffer's pool to "the process that
-- asked for it" with ExAllocatePoolWithQuotaTag. A DPC has no process of its
-- own: this one interrupts an idle processor, so the quota goes to the Idle
-- process. Pool tracking (0x8) stops it: 0xC4/0x10A.
scenario {
  verifier = "/flags 0x8 /driver capture.sys",
  cpus     = 1,
  expect   = { bugcheck = 0xC4, p1 = 0x10A, driver = "capture.sys" },
}

local Timer, Dpc, Ring

local function RefillDpc(Dpc, Context, Arg1, Arg2)
  if #Ring < 4 then
    -- BUG: quota is charged to the current process, which in a DPC is
    -- whatever the processor was running (here, nothing: Idle).
    local Buffer = ExAllocatePoolWithQuotaTag(NonPagedPoolNx + POOL_QUOTA_FAIL_INSTEAD_OF_RAISE,
                                              512, "Capt")
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
