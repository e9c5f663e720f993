-- pool_free_active_timer: a network driver keeps one context per adapter in
-- nonpaged pool, with a watchdog KTIMER and its KDPC inside it. HaltAdapter
-- frees the context but forgets to cancel the periodic watchdog timer,
-- which stays in the kernel's timer table pointing into freed pool. The
-- verifier stops the free (0xC4/0x15, P3 = the pool type, NonPagedPoolNx);
-- without it the kernel's own check raises 0xC7 (ktimer_in_freed_memory).
scenario {
  verifier = "/standard /driver nicwd.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x15, p3 = NonPagedPoolNx, driver = "nicwd.sys" },
}

-- ADAPTER_CONTEXT: KTIMER at 0 (0x40 bytes on x64), KDPC at 0x40, the
-- count of missed heartbeats at 0x80.
local TIMER, DPC, MISSED = 0x00, 0x40, 0x80

local function InitializeAdapter()
  local Adapter = ExAllocatePoolWithTag(NonPagedPoolNx, 0x88, "NicA")
  if Adapter == nil then
    return nil
  end
  RtlZeroMemory(Adapter, 0x88)
  KeInitializeTimer(Adapter + TIMER)
  KeInitializeDpc(Adapter + DPC, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
    DeferredContext:set_u32(MISSED, DeferredContext:u32(MISSED) + 1)
  end, Adapter)
  KeSetTimerEx(Adapter + TIMER, -10000 * 100, 100, Adapter + DPC)   -- every 100 ms
  return Adapter
end

local function HaltAdapter(Adapter)
  -- BUG: no KeCancelTimer(Adapter + TIMER) and KeFlushQueuedDpcs() first.
  ExFreePoolWithTag(Adapter, "NicA")
end

driver "nicwd.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Adapter = InitializeAdapter()
    if Adapter == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      HaltAdapter(Adapter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "nicwd.sys"
  Sleep "1s"
  UnloadDriver "nicwd.sys"
  Sleep "1s"
end)
