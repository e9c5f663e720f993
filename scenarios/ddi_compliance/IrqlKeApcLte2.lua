-- IrqlKeApcLte2: a driver enters a critical region while it holds its spin
-- lock, so at DISPATCH_LEVEL. KeEnterCriticalRegion may be called at IRQL <=
-- APC_LEVEL only (0xC4/0x20010).
scenario {
  verifier = "/standard /driver regcopy.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20010, p3 = 0, p4 = 0, driver = "regcopy.sys" },
}

driver "regcopy.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Driver, Timer, Dpc, Ready = DriverObject, KTIMER(), KDPC(), KEVENT()
    Lock, Copies = KSPIN_LOCK(), 0
    KeInitializeSpinLock(Lock)
    KeInitializeEvent(Ready, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(Ready, IO_NO_INCREMENT, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      KeWaitForSingleObject(Ready, Executive, KernelMode, false, nil)
      local OldIrql = KeAcquireSpinLock(Lock)
      -- BUG: a critical region entered at DISPATCH_LEVEL.
      KeEnterCriticalRegion()
      Copies = Copies + 1
      KeLeaveCriticalRegion()
      KeReleaseSpinLock(Lock, OldIrql)
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
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "regcopy.sys"
  Sleep "50ms"
  UnloadDriver "regcopy.sys"
end)
