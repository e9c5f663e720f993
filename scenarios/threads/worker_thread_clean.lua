-- worker_thread: a driver's worker thread sleeps on a synchronization event
-- and drains a request counter the driver exports (the harness stands in for
-- the driver's dispatch routine: it bumps the counter under the driver's
-- spin lock and sets the event, N times, at seed-dependent intervals, so the
-- wakes sometimes coalesce). The worker handles every request exactly once,
-- and the driver stops it and frees everything at unload: a clean run on
-- two processors, whatever the interleaving.
scenario {
  verifier = "/standard /driver worker.sys",
  cpus     = 2,
  expect   = "clean",
}

local REQUESTS = 25

driver "worker.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    WorkLock, WorkReady, Stop = KSPIN_LOCK(), KEVENT(), KEVENT()
    KeInitializeSpinLock(WorkLock)
    KeInitializeEvent(WorkReady, SynchronizationEvent, false)
    KeInitializeEvent(Stop, NotificationEvent, false)
    Requested, Processed = 0, 0               -- exported: Requested is written under WorkLock
    Log = ExAllocatePoolWithTag(NonPagedPoolNx, REQUESTS, "WrkL")   -- one byte per request
    if Log == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Log, REQUESTS)

    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while KeWaitForMultipleObjects(2, { Stop, WorkReady }, WaitAny, Executive, KernelMode, false,
                                     nil, nil) == STATUS_WAIT_1 do
        -- One wake may stand for several requests: drain them all.
        while true do
          local OldIrql = KeAcquireSpinLock(WorkLock)
          local Pending = Requested - Processed
          KeReleaseSpinLock(WorkLock, OldIrql)
          if Pending == 0 then
            break
          end
          KeDelayExecutionThread(KernelMode, false, -10000 * 1)   -- the work: 1 ms
          Log[Processed] = Log[Processed] + 1
          OldIrql = KeAcquireSpinLock(WorkLock)
          Processed = Processed + 1
          KeReleaseSpinLock(WorkLock, OldIrql)
        end
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      ExFreePoolWithTag(Log, "WrkL")
      return status
    end
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Worker = object

    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(Worker, Executive, KernelMode, false, nil)
      ObDereferenceObject(Worker)
      for i = 0, REQUESTS - 1 do
        assert(Log[i] == 1, "request handled exactly once")
      end
      ExFreePoolWithTag(Log, "WrkL")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "worker.sys"
  for i = 1, REQUESTS do
    local OldIrql = KeAcquireSpinLock(WorkLock)
    Requested = Requested + 1
    KeReleaseSpinLock(WorkLock, OldIrql)
    KeSetEvent(WorkReady, 0, false)
    Sleep(math.random(0, 30) * 1000)          -- 0 to 3 ms: the worker may still be busy
  end
  for _ = 1, 100 do                           -- let the worker catch up (at most 1 s)
    if Processed == REQUESTS then
      break
    end
    Sleep "10ms"
  end
  assert(Processed == REQUESTS, "every request was handled")
  UnloadDriver "worker.sys"
  local counters = Query().drivers["worker.sys"]
  assert(counters.CurrentNonPagedPoolAllocations == 0, "nothing left in pool")
end)
