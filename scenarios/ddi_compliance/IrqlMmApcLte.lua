-- IrqlMmApcLte: a driver allocates a non-cached bounce buffer from its
-- timer DPC, the first time the device needs one. MmAllocateNonCachedMemory
-- may be called at APC_LEVEL at most (0xC4/0x20019).
scenario {
  verifier = "/standard /driver bounce.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20019, p3 = 0, p4 = 0, driver = "bounce.sys" },
}

local BOUNCE_BYTES = 4096

driver "bounce.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Bounce, Timer, Dpc = {}, KTIMER(), KDPC()
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      if Bounce.Va == nil then
        -- BUG: allocated at DISPATCH_LEVEL; allocate in DriverEntry.
        Bounce.Va = MmAllocateNonCachedMemory(BOUNCE_BYTES)
      end
    end, nil)
    KeSetTimer(Timer, -10000, Dpc)
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      if Bounce.Va ~= nil then
        MmFreeNonCachedMemory(Bounce.Va, BOUNCE_BYTES)
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "bounce.sys"
  Sleep "10ms"
  UnloadDriver "bounce.sys"
end)
