-- deadlock_lock_hierarchy: a statistics driver whose two threads take its
-- two spin locks in opposite orders. The flusher takes StatsLock then
-- QueueLock; the trimmer, started only after the flusher has ended, takes
-- QueueLock then StatsLock. The two paths never overlap, so the run would
-- never hang, yet the next boot could: with deadlock detection on, Driver
-- Verifier stops at the first acquisition that closes the cycle, the
-- trimmer's StatsLock (0xC4, P1 = 0x1001, P2 = the lock that closed it).
scenario {
  verifier = "/flags 0x20 /driver stats.sys",
  cpus = 2,
  expect = { bugcheck = 0xC4, p1 = 0x1001, driver = "stats.sys" },
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
      local OldIrql = KeAcquireSpinLock(QueueLock)
      KeAcquireSpinLockAtDpcLevel(StatsLock)   -- BUG: the flusher's order is the reverse
      Pending = 0
      KeReleaseSpinLockFromDpcLevel(StatsLock)
      KeReleaseSpinLock(QueueLock, OldIrql)
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
