-- dpc_requeue_forever: a packet driver drains its receive ring in a DPC, a
-- batch at a time. When a batch leaves packets behind, the DPC queues itself
-- again to take the rest. The ring's "packets left" test reads the producer
-- index where it should read the consumer index, so it is never empty and
-- the DPC queues itself for ever. The processor's DPC queue never drains:
-- KiRetireDpcList keeps it at DISPATCH_LEVEL, and after the DPC watchdog
-- period (120 s of back-to-back DPCs) Windows stops with
-- DPC_WATCHDOG_VIOLATION (0x133, P1 = 1: cumulative time at DISPATCH_LEVEL,
-- P2 = the period in clock ticks, 0x1E00). drvsim charges each back-to-back
-- DPC 100 microseconds, the documented ceiling of a DPC's run.
scenario {
  expect = { bugcheck = 0x133, p1 = 1, p2 = 0x1E00, driver = "ringnet.sys" },
}

driver "ringnet.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = { Producer = 64, Consumer = 0, Batch = 16 }
    RxDpc = KDPC()
    KeInitializeDpc(RxDpc, function(Dpc, Context, Arg1, Arg2)
      local Taken = 0
      while Ring.Consumer < Ring.Producer and Taken < Ring.Batch do
        Ring.Consumer = Ring.Consumer + 1
        Taken = Taken + 1
      end
      if Ring.Producer > 0 then -- BUG: should be Ring.Consumer < Ring.Producer
        KeInsertQueueDpc(Dpc, nil, nil)
      end
    end, nil)
    KeInsertQueueDpc(RxDpc, nil, nil) -- the first packets arrived
    DriverObject.DriverUnload = function(DriverObject)
      KeRemoveQueueDpc(RxDpc)
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ringnet.sys"
  Sleep "1s"
  UnloadDriver "ringnet.sys"
end)
