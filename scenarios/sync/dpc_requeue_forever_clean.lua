-- dpc_requeue_forever, clean twin: the same packet driver tests the
-- consumer index, so the DPC queues itself again only while packets are
-- left: four back-to-back runs take the 64 packets, then the DPC queue is
-- empty and the processor leaves DISPATCH_LEVEL.
scenario {
  expect = "clean",
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
      if Ring.Consumer < Ring.Producer then
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
  if Ring.Consumer ~= 64 then
    error("the ring was not drained: " .. Ring.Consumer)
  end
  UnloadDriver "ringnet.sys"
end)
