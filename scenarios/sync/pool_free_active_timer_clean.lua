-- pool_free_active_timer, clean twin: HaltAdapter cancels the watchdog
-- timer and waits for a DPC it may already have queued (KeFlushQueuedDpcs)
-- before it frees the context that holds them.
scenario {
  verifier = "/standard /driver nicwd.sys",
  expect   = "clean",
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
  KeCancelTimer(Adapter + TIMER)
  KeFlushQueuedDpcs()
  Beats = Adapter:u32(MISSED)
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
  assert(Beats >= 9, "the watchdog ran every 100 ms: " .. Beats)
  Sleep "1s"
end)
