-- fast_mutex_release_not_apc_clean: the NIC driver of fast_mutex_release_not_apc
-- releasing its locks in the reverse order of acquisition: the spin lock
-- first (back to APC_LEVEL), then the fast mutex (back to PASSIVE_LEVEL). The
-- unload routine reads the configuration under the same fast mutex once the
-- thread has ended.
scenario {
  verifier = "/standard /driver nicfg.sys",
  expect = "clean",
}

driver "nicfg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ConfigLock, RingLock = FAST_MUTEX(), KSPIN_LOCK()
    RingSize = 256
    ExInitializeFastMutex(ConfigLock)
    KeInitializeSpinLock(RingLock)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      ExAcquireFastMutex(ConfigLock)
      local OldIrql = KeAcquireSpinLock(RingLock)
      RingSize = 512
      KeReleaseSpinLock(RingLock, OldIrql)
      ExReleaseFastMutex(ConfigLock)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Configurator = object
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Configurator, Executive, KernelMode, false, nil)
      ObDereferenceObject(Configurator)
      ExAcquireFastMutex(ConfigLock)
      local Size = RingSize
      ExReleaseFastMutex(ConfigLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "nicfg.sys"
  Sleep "10ms"
  UnloadDriver "nicfg.sys"
end)
