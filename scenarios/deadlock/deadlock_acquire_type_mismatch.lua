-- deadlock_acquire_type_mismatch: a storage miniport's submit path takes
-- its queue's KSPIN_LOCK as an in-stack queued spin lock, and its timeout
-- path, written later, with KeAcquireSpinLock. One KSPIN_LOCK must be used
-- one way: an ordinary acquire does not queue behind the in-stack waiters
-- (Windows 7 and later predict it). With deadlock detection on, Driver
-- Verifier stops at the mismatched acquisition (0xC4, P1 = 0x1008, P2 the
-- lock).
scenario {
  verifier = "/flags 0x20 /driver stormp.sys",
  expect = { bugcheck = 0xC4, p1 = 0x1008, driver = "stormp.sys" },
}

driver "stormp.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    QueueLock = KSPIN_LOCK()
    KeInitializeSpinLock(QueueLock)
    Outstanding = 0

    local function Submit()
      local Handle = KLOCK_QUEUE_HANDLE()
      KeAcquireInStackQueuedSpinLock(QueueLock, Handle)
      Outstanding = Outstanding + 1
      KeReleaseInStackQueuedSpinLock(Handle)
    end

    local function Timeout()
      local OldIrql = KeAcquireSpinLock(QueueLock)   -- BUG: an in-stack queued spin lock
      Outstanding = 0
      KeReleaseSpinLock(QueueLock, OldIrql)
    end

    Submit()
    Timeout()
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "stormp.sys"
  UnloadDriver "stormp.sys"
end)
