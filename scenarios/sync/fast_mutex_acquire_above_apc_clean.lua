-- fast_mutex_acquire_above_apc_clean: the keyboard filter of
-- fast_mutex_acquire_above_apc done right. The polling DPC only counts the
-- strokes under a spin lock and releases the semaphore; the worker thread,
-- at PASSIVE_LEVEL, moves them into the list under the fast mutex, and the
-- unload routine empties the list under the same fast mutex after the thread
-- is gone. Each stroke is one semaphore count, so the worker wakes once per
-- stroke.
scenario {
  verifier = "/standard /driver kbdpoll.sys",
  expect = "clean",
}

driver "kbdpoll.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ListLock, CountLock, Items, Stop = FAST_MUTEX(), KSPIN_LOCK(), KSEMAPHORE(), KEVENT()
    PollTimer, PollDpc = KTIMER(), KDPC()
    Strokes, Polled, Handled = {}, 0, 0
    ExInitializeFastMutex(ListLock)
    KeInitializeSpinLock(CountLock)
    KeInitializeSemaphore(Items, 0, 64)
    KeInitializeEvent(Stop, NotificationEvent, false)
    KeInitializeTimer(PollTimer)
    KeInitializeDpc(PollDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeAcquireSpinLockAtDpcLevel(CountLock)
      Polled = Polled + 1
      KeReleaseSpinLockFromDpcLevel(CountLock)
      KeReleaseSemaphore(Items, IO_NO_INCREMENT, 1, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while KeWaitForMultipleObjects(2, { Stop, Items }, WaitAny, Executive, KernelMode, false, nil, nil) == STATUS_WAIT_1 do
        ExAcquireFastMutex(ListLock)
        Strokes[#Strokes + 1] = 0x1C
        Handled = Handled + 1
        ExReleaseFastMutex(ListLock)
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Worker = object
    KeSetTimerEx(PollTimer, -10000 * 20, 20, PollDpc)    -- every 20 ms
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(PollTimer)
      KeFlushQueuedDpcs()
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)
      ExAcquireFastMutex(ListLock)
      while #Strokes > 0 do
        table.remove(Strokes)
      end
      ExReleaseFastMutex(ListLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "kbdpoll.sys"
  Sleep "200ms"
  UnloadDriver "kbdpoll.sys"
end)
