-- timer_dpc_thread: a timer DPC and a system thread share a counter under a spin lock;
-- the driver cleans everything up on unload (the CONTRACT's second example, verbatim).
scenario { verifier = "/standard /driver tick.sys", expect = "clean" }

driver "tick.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Lock, Timer, Dpc, Stop = KSPIN_LOCK(), KTIMER(), KDPC(), KEVENT()
    Count = 0
    KeInitializeSpinLock(Lock)
    KeInitializeEvent(Stop, NotificationEvent, false)
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
      KeAcquireSpinLockAtDpcLevel(Lock)
      Count = Count + 1
      KeReleaseSpinLockFromDpcLevel(Lock)
    end, nil)
    KeSetTimerEx(Timer, -10000 * 100, 100, Dpc)           -- every 100 ms
    local status, thread = PsCreateSystemThread(0, nil, nil, function(Context)
      KeWaitForSingleObject(Stop, Executive, KernelMode, false, nil)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    local _, object = ObReferenceObjectByHandle(thread, 0, nil, KernelMode)
    ZwClose(thread)
    Thread = object
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Thread, Executive, KernelMode, false, nil)
      ObDereferenceObject(Thread)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "tick.sys"
  Sleep "1s"
  UnloadDriver "tick.sys"
end)
