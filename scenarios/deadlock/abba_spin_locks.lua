-- abba_spin_locks: a network driver keeps its receive queue and its
-- statistics under two spin locks. The receive thread takes the queue's
-- lock, then the statistics' (to count what it queued); the reporting
-- thread, started 10 ms later, takes the statistics' lock, then the
-- queue's (to report its depth): the opposite order. The two paths never
-- overlap in time, so every seed is clean. The bug is real all the same:
-- with the first acquisition of each path held back,
--
--   drvsim run scenarios/deadlock/abba_spin_locks.lua \
--     --sched directed:scenarios/deadlock/abba_spin_locks.lua:31,scenarios/deadlock/abba_spin_locks.lua:40
--
-- each thread holds one lock and spins on the other's, and the DPC watchdog
-- stops the machine (0x133, P1 = 1) with the two spinning processors in the
-- report. abba_spin_locks_clean takes the locks in one order.
scenario { expect = "clean" }

local function Start(Routine)
  local status, handle = PsCreateSystemThread(0, nil, nil, Routine, nil)
  local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
  ZwClose(handle)
  return object
end

driver "netrx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    QueueLock, StatsLock = KSPIN_LOCK(), KSPIN_LOCK()
    KeInitializeSpinLock(QueueLock)
    KeInitializeSpinLock(StatsLock)
    Queued, Reported = 0, 0
    Receiver = Start(function(StartContext)
      local OldIrql = KeAcquireSpinLock(QueueLock)
      Queued = Queued + 1
      KeAcquireSpinLockAtDpcLevel(StatsLock)
      Reported = Queued
      KeReleaseSpinLockFromDpcLevel(StatsLock)
      KeReleaseSpinLock(QueueLock, OldIrql)
    end)
    Reporter = Start(function(StartContext)
      KeDelayExecutionThread(KernelMode, false, -10000 * 10)   -- 10 ms later
      local OldIrql = KeAcquireSpinLock(StatsLock)
      KeAcquireSpinLockAtDpcLevel(QueueLock)   -- BUG: the other order
      Reported = Queued
      KeReleaseSpinLockFromDpcLevel(QueueLock)
      KeReleaseSpinLock(StatsLock, OldIrql)
    end)
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Receiver, Executive, KernelMode, false, nil)
      KeWaitForSingleObject(Reporter, Executive, KernelMode, false, nil)
      ObDereferenceObject(Receiver)
      ObDereferenceObject(Reporter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netrx.sys"
  Sleep "50ms"
  UnloadDriver "netrx.sys"
end)
