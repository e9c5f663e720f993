-- fast_mutex_acquire_above_apc: a keyboard filter keeps its pending key
-- strokes in a list guarded by a fast mutex. A worker thread drains the list;
-- a polling timer's DPC adds to it. BUG: the DPC takes the fast mutex too,
-- but a DPC runs at DISPATCH_LEVEL and a fast mutex may only be acquired at
-- APC_LEVEL or below (its acquire can wait). Driver Verifier stops the
-- acquire: 0xC4/0x33 (P2 the IRQL, P3 the fast mutex).
scenario {
  -- /standard without DDI compliance checking (0x20000): with it, the rule
  -- IrqlExApcLte1 (0x20005) reports the same call first, as on Windows.
  verifier = "/flags 0x9BB /driver kbdpoll.sys",
  expect = { bugcheck = 0xC4, p1 = 0x33, p2 = DISPATCH_LEVEL, driver = "kbdpoll.sys" },
}

driver "kbdpoll.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ListLock, Items, Stop = FAST_MUTEX(), KSEMAPHORE(), KEVENT()
    PollTimer, PollDpc = KTIMER(), KDPC()
    Strokes, Handled = {}, 0
    ExInitializeFastMutex(ListLock)
    KeInitializeSemaphore(Items, 0, 64)
    KeInitializeEvent(Stop, NotificationEvent, false)
    KeInitializeTimer(PollTimer)
    KeInitializeDpc(PollDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      ExAcquireFastMutex(ListLock)           -- BUG: at DISPATCH_LEVEL
      Strokes[#Strokes + 1] = 0x1C
      ExReleaseFastMutex(ListLock)
      KeReleaseSemaphore(Items, IO_NO_INCREMENT, 1, false)
    end, nil)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while KeWaitForMultipleObjects(2, { Stop, Items }, WaitAny, Executive, KernelMode, false, nil, nil) == STATUS_WAIT_1 do
        ExAcquireFastMutex(ListLock)
        table.remove(Strokes, 1)
        Handled = Handled + 1
        ExReleaseFastMutex(ListLock)
      end
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
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "kbdpoll.sys"
  Sleep "200ms"
  UnloadDriver "kbdpoll.sys"
end)
