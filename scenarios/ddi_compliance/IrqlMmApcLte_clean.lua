-- IrqlMmApcLte (clean twin): the bounce buffer is allocated in DriverEntry
-- and freed in DriverUnload, both at PASSIVE_LEVEL; the DPC only uses it.
scenario {
  verifier = "/standard /driver bounce.sys",
  expect   = "clean",
}

local BOUNCE_BYTES = 4096

driver "bounce.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Bounce, Timer, Dpc = {}, KTIMER(), KDPC()
    Bounce.Va = MmAllocateNonCachedMemory(BOUNCE_BYTES)           -- right
    if Bounce.Va == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      RtlFillMemory(Bounce.Va, BOUNCE_BYTES, 0xA5)
    end, nil)
    KeSetTimer(Timer, -10000, Dpc)
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      assert(Bounce.Va[0] == 0xA5, "the DPC used the buffer")
      MmFreeNonCachedMemory(Bounce.Va, BOUNCE_BYTES)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "bounce.sys"
  Sleep "10ms"
  UnloadDriver "bounce.sys"
end)
