-- deadlock_release_out_of_order_clean: the NIC driver of
-- deadlock_release_out_of_order with the fix: the statistics lock, taken
-- last, is released first.
scenario {
  verifier = "/flags 0x20 /driver nicrx.sys",
  expect = "clean",
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
    KeReleaseInStackQueuedSpinLockFromDpcLevel(StatsHandle)
    KeReleaseInStackQueuedSpinLock(RingHandle)

    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "nicrx.sys"
  UnloadDriver "nicrx.sys"
end)
