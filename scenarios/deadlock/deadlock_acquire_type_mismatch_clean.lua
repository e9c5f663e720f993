-- deadlock_acquire_type_mismatch_clean: the storage miniport of
-- deadlock_acquire_type_mismatch with the fix: the timeout path takes the
-- queue lock in-stack queued too.
scenario {
  verifier = "/flags 0x20 /driver stormp.sys",
  expect = "clean",
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
      local Handle = KLOCK_QUEUE_HANDLE()
      KeAcquireInStackQueuedSpinLock(QueueLock, Handle)
      Outstanding = 0
      KeReleaseInStackQueuedSpinLock(Handle)
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
