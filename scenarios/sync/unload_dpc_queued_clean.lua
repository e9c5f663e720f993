-- unload_dpc_queued, clean twin: after queuing the collection DPCs to the
-- other processors, the unload routine waits for them with
-- KeFlushQueuedDpcs, so every count is in the total and no DPC of the
-- driver is left when its image goes.
scenario {
  verifier = "/standard /driver pcpu.sys",
  cpus     = 2,
  expect   = "clean",
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
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pcpu.sys"
  Sleep "1s"
  UnloadDriver "pcpu.sys"
  assert(Total >= 99, "a tick every 10 ms, all collected: " .. Total)
  Sleep "1s"
end)
