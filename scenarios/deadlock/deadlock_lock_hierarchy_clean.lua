-- deadlock_lock_hierarchy_clean: the statistics driver of
-- deadlock_lock_hierarchy with the fix: the trimmer takes the locks in the
-- flusher's order, StatsLock then QueueLock, so the lock graph has no cycle.
scenario {
  verifier = "/flags 0x20 /driver stats.sys",
  cpus = 2,
  expect = "clean",
}

driver "stats.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    StatsLock = KSPIN_LOCK()
    QueueLock = KSPIN_LOCK()
    KeInitializeSpinLock(StatsLock)
    KeInitializeSpinLock(QueueLock)
    Pending, Flushed = 3, 0

    local function Flusher(StartContext)
      local OldIrql = KeAcquireSpinLock(StatsLock)
      KeAcquireSpinLockAtDpcLevel(QueueLock)
      Flushed = Flushed + Pending
      KeReleaseSpinLockFromDpcLevel(QueueLock)
      KeReleaseSpinLock(StatsLock, OldIrql)
    end

    local function Trimmer(StartContext)
      local OldIrql = KeAcquireSpinLock(StatsLock)
      KeAcquireSpinLockAtDpcLevel(QueueLock)
      Pending = 0
      KeReleaseSpinLockFromDpcLevel(QueueLock)
      KeReleaseSpinLock(StatsLock, OldIrql)
    end

    local function Start(Routine)
      local status, handle = PsCreateSystemThread(0, nil, nil, Routine, nil)
      local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
      ZwClose(handle)
      KeWaitForSingleObject(object, Executive, KernelMode, false, nil)
      ObDereferenceObject(object)
    end

    Start(Flusher)
    Start(Trimmer)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "stats.sys"
  UnloadDriver "stats.sys"
end)
