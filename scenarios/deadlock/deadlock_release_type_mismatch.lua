-- deadlock_release_type_mismatch: a USB driver takes its endpoint lock
-- in-stack queued and, on its error path, releases it with
-- KeReleaseSpinLock, as the rest of the driver does its other locks. The
-- in-stack queue is left holding a handle that is gone; with deadlock
-- detection on, Driver Verifier stops at the release (0xC4, P1 = 0x1009,
-- P2 the lock).
scenario {
  verifier = "/flags 0x20 /driver usbep.sys",
  expect = { bugcheck = 0xC4, p1 = 0x1009, driver = "usbep.sys" },
}

driver "usbep.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    EndpointLock = KSPIN_LOCK()
    KeInitializeSpinLock(EndpointLock)
    Stalled = true

    local Handle = KLOCK_QUEUE_HANDLE()
    KeAcquireInStackQueuedSpinLock(EndpointLock, Handle)
    if Stalled then
      KeReleaseSpinLock(EndpointLock, PASSIVE_LEVEL)   -- BUG: acquired in-stack queued
    else
      KeReleaseInStackQueuedSpinLock(Handle)
    end

    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "usbep.sys"
  UnloadDriver "usbep.sys"
end)
