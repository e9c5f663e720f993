-- IrqlKeSetEvent: a sensor driver's timer DPC signals "sample ready" with
-- KeSetEvent(..., TRUE), as if the next thing it did were a wait. At
-- DISPATCH_LEVEL Wait must be FALSE (KeSetEvent's page: "If Wait is TRUE,
-- the caller must be running at IRQL <= APC_LEVEL"): DDI compliance checking
-- stops it with the rule's code (0xC4/0x20016). The automatic checks let it
-- pass: only a KeSetEvent above DISPATCH_LEVEL is theirs (0xC4/0x80).
scenario {
  verifier = "/standard /driver sampler.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20016, p3 = 0, p4 = 0,
               driver = "sampler.sys" },
}

driver "sampler.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    SampleReady, SampleTimer, SampleDpc = KEVENT(), KTIMER(), KDPC()
    KeInitializeEvent(SampleReady, SynchronizationEvent, false)
    KeInitializeTimer(SampleTimer)
    KeInitializeDpc(SampleDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      -- BUG: Wait = TRUE at DISPATCH_LEVEL; a DPC never waits.
      KeSetEvent(SampleReady, IO_NO_INCREMENT, true)
    end, nil)
    KeSetTimer(SampleTimer, -10000 * 10, SampleDpc)          -- in 10 ms
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(SampleTimer)
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sampler.sys"
  Sleep "50ms"
  UnloadDriver "sampler.sys"
end)
