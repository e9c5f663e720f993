-- IrqlKeSetEvent, clean twin: the timer DPC signals "sample ready" with
-- Wait = FALSE, as code at DISPATCH_LEVEL must.
scenario {
  verifier = "/standard /driver sampler.sys",
  expect   = "clean",
}

driver "sampler.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    SampleReady, SampleTimer, SampleDpc = KEVENT(), KTIMER(), KDPC()
    KeInitializeEvent(SampleReady, SynchronizationEvent, false)
    KeInitializeTimer(SampleTimer)
    KeInitializeDpc(SampleDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(SampleReady, IO_NO_INCREMENT, false)
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
