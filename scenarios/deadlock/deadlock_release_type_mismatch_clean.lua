-- deadlock_release_type_mismatch_clean: the USB driver of
-- deadlock_release_type_mismatch with the fix: both paths release the
-- endpoint lock through its handle.
scenario {
  verifier = "/flags 0x20 /driver usbep.sys",
  expect = "clean",
}

driver "usbep.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    EndpointLock = KSPIN_LOCK()
    KeInitializeSpinLock(EndpointLock)
    Stalled = true

    local Handle = KLOCK_QUEUE_HANDLE()
    KeAcquireInStackQueuedSpinLock(EndpointLock, Handle)
    if Stalled then
      Stalled = false
    end
    KeReleaseInStackQueuedSpinLock(Handle)

    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "usbep.sys"
  UnloadDriver "usbep.sys"
end)
