-- abba_spin_locks_clean: the network driver of abba_spin_locks with one
-- lock order: the reporting thread takes the queue's lock first, as the
-- receive thread does. Clean on every seed, and clean under the directed
-- schedule too:
--
--   drvsim run scenarios/deadlock/abba_spin_locks_clean.lua \
--     --sched directed:scenarios/deadlock/abba_spin_locks_clean.lua:27,scenarios/deadlock/abba_spin_locks_clean.lua:36
--
-- (the reporting thread spins on the queue's lock until the receive
-- thread, released when nothing else can run, gives it back).
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
      local OldIrql = KeAcquireSpinLock(QueueLock)   -- the same order
      KeAcquireSpinLockAtDpcLevel(StatsLock)
      Reported = Queued
      KeReleaseSpinLockFromDpcLevel(StatsLock)
      KeReleaseSpinLock(QueueLock, OldIrql)
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
