-- fast_mutex_release_not_apc: a NIC driver keeps its configuration under a
-- fast mutex and its receive ring under a spin lock shared with its DPC. To
-- resize the ring, the configuration thread takes the fast mutex, then the
-- spin lock. BUG: it releases them in the wrong order: the fast mutex first,
-- while the spin lock still holds the processor at DISPATCH_LEVEL. The
-- release must run at the APC_LEVEL the acquire raised to: Driver Verifier
-- stops it, 0xC4/0x34 (P2 the IRQL, P3 the thread's APC-disable count, P4
-- the fast mutex).
scenario {
  verifier = "/standard /driver nicfg.sys",
  expect = { bugcheck = 0xC4, p1 = 0x34, p2 = DISPATCH_LEVEL, p3 = 0, driver = "nicfg.sys" },
}

driver "nicfg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ConfigLock, RingLock, Resized = FAST_MUTEX(), KSPIN_LOCK(), KEVENT()
    RingSize = 256
    ExInitializeFastMutex(ConfigLock)
    KeInitializeSpinLock(RingLock)
    KeInitializeEvent(Resized, NotificationEvent, false)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      ExAcquireFastMutex(ConfigLock)
      local OldIrql = KeAcquireSpinLock(RingLock)
      RingSize = 512
      ExReleaseFastMutex(ConfigLock)         -- BUG: the spin lock is still held
      KeReleaseSpinLock(RingLock, OldIrql)
      KeSetEvent(Resized, 0, false)
    end, nil)
    ZwClose(handle)
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Resized, Executive, KernelMode, false, nil)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "nicfg.sys"
  Sleep "10ms"
  UnloadDriver "nicfg.sys"
end)
