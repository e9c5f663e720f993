-- deadlock_release_out_of_order: a NIC driver's receive path takes its
-- ring's in-stack queued spin lock, then the statistics lock, also in-stack
-- queued, and releases the ring lock first. In-stack queued spin locks are
-- released in the reverse order of their acquisition (each handle links the
-- next waiter); with deadlock detection on, Driver Verifier stops at the
-- release (0xC4, P1 = 0x1003, P2 the lock released, P3 the one that should
-- have been released first).
scenario {
  verifier = "/flags 0x20 /driver nicrx.sys",
  expect = { bugcheck = 0xC4, p1 = 0x1003, driver = "nicrx.sys" },
}

driver "nicrx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    RingLock, StatsLock = KSPIN_LOCK(), KSPIN_LOCK()
    KeInitializeSpinLock(RingLock)
    KeInitializeSpinLock(StatsLock)
    Received = 0

    local RingHandle, StatsHandle = KLOCK_QUEUE_HANDLE(), KLOCK_QUEUE_HANDLE()
    KeAcquireInStackQueuedSpinLock(RingLock, RingHandle)
    KeAcquireInStackQueuedSpinLockAtDpcLevel(StatsLock, StatsHandle)
    Received = Received + 1
    KeReleaseInStackQueuedSpinLockFromDpcLevel(RingHandle)   -- BUG: StatsLock was taken last
    KeReleaseInStackQueuedSpinLock(StatsHandle)

    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "nicrx.sys"
  UnloadDriver "nicrx.sys"
end)
