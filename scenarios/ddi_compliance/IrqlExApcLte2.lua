-- IrqlExApcLte2: a name cache sets up its paged lookaside list lazily, from
-- the timer DPC that first needs it. ExInitializePagedLookasideList may be
-- called at IRQL <= APC_LEVEL only (0xC4/0x20006).
scenario {
  verifier = "/standard /driver namecache.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20006, p3 = 0, p4 = 0, driver = "namecache.sys" },
}

driver "namecache.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    Names, NamesReady = PAGED_LOOKASIDE_LIST(), false
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      -- BUG: a paged lookaside list set up at DISPATCH_LEVEL.
      ExInitializePagedLookasideList(Names, nil, nil, 0, 128, "Name", 0)
      NamesReady = true
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
      -- nothing more to do
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      return status
    end
    WorkerHandle = handle
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    Worker = object
    KeSetTimer(Timer, -10000 * 10, Dpc)                 -- in 10 ms
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)
      ZwClose(WorkerHandle)
      if NamesReady then
        ExDeletePagedLookasideList(Names)
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "namecache.sys"
  Sleep "50ms"
  UnloadDriver "namecache.sys"
end)
