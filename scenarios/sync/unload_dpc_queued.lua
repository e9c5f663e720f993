-- unload_dpc_queued: a statistics driver keeps its counters per processor,
-- so that the timer DPC never shares a cache line between processors. At
-- unload it collects them: it counts the current processor's counters
-- itself and queues a DPC to every other processor to add that one's, but
-- returns without waiting for those DPCs (KeFlushQueuedDpcs). The verifier
-- checks the driver's DPCs at unload and finds one still queued
-- (0xC7/0x1, P2 the DPC, P3..P4 the image's range); without it, the DPC
-- would run into the unloaded image (0xCE).
scenario {
  verifier = "/standard /driver pcpu.sys",
  cpus     = 2,
  expect   = { bugcheck = 0xC7, p1 = 0x1, driver = "pcpu.sys" },
}

local PROCESSORS = 2   -- KeQueryActiveProcessorCount: the scenario's cpus

local function CollectProcessor(Number)
  Total = Total + PerProcessor[Number]
  PerProcessor[Number] = 0
end

driver "pcpu.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TotalLock, TickTimer, TickDpc = KSPIN_LOCK(), KTIMER(), KDPC()
    PerProcessor, CollectDpc, Total = {}, {}, 0
    KeInitializeSpinLock(TotalLock)
    for Number = 0, PROCESSORS - 1 do
      PerProcessor[Number] = 0
      CollectDpc[Number] = KDPC()
      KeInitializeDpc(CollectDpc[Number], function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
        KeAcquireSpinLockAtDpcLevel(TotalLock)
        CollectProcessor(KeGetCurrentProcessorNumber())
        KeReleaseSpinLockFromDpcLevel(TotalLock)
      end, nil)
      KeSetTargetProcessorDpc(CollectDpc[Number], Number)
    end
    KeInitializeTimer(TickTimer)
    KeInitializeDpc(TickDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      local Number = KeGetCurrentProcessorNumber()
      PerProcessor[Number] = PerProcessor[Number] + 1   -- this processor's own: no lock
    end, nil)
    KeSetTimerEx(TickTimer, -10000 * 10, 10, TickDpc)        -- every 10 ms
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(TickTimer)
      KeFlushQueuedDpcs()
      local OldIrql = KeAcquireSpinLock(TotalLock)
      local Current = KeGetCurrentProcessorNumber()
      CollectProcessor(Current)
      KeReleaseSpinLock(TotalLock, OldIrql)
      for Number = 0, PROCESSORS - 1 do
        if Number ~= Current then
          KeInsertQueueDpc(CollectDpc[Number], nil, nil)
        end
      end
      -- BUG: returns with the other processors' DPCs still queued; no
      -- KeFlushQueuedDpcs() here.
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pcpu.sys"
  Sleep "1s"
  UnloadDriver "pcpu.sys"
  Sleep "1s"
end)
