-- rundown_cache_aware_clean: diskcls.sys protects its idle-power timer
-- state as classpnp does, with cache-aware run-down protection:
-- ExAllocateCacheAwareRundownProtection (the driver's own pool, freed with
-- ExFreeCacheAwareRundownProtection), and, for a second object embedded in
-- its device extension, ExSizeOfRundownProtectionCacheAware with
-- ExInitializeRundownProtectionCacheAware. Acquires and releases from two
-- threads, then the wait, completion and reinitialisation, as with a plain
-- EX_RUNDOWN_REF.
scenario {
  verifier = "/standard /driver diskcls.sys",
  cpus     = 2,
}

driver "diskcls.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    IdleRef = ExAllocateCacheAwareRundownProtection(NonPagedPoolNx, "DcRd")
    assert(IdleRef ~= nil)
    local Size = ExSizeOfRundownProtectionCacheAware()
    Embedded = ExAllocatePoolWithTag(NonPagedPoolNx, Size, "DcEx")
    ExInitializeRundownProtectionCacheAware(Embedded, Size)
    Uses = 0
    Done = { KEVENT(), KEVENT() }
    for i = 1, 2 do
      KeInitializeEvent(Done[i], NotificationEvent, false)
      local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
        for n = 1, 20 do
          if ExAcquireRundownProtectionCacheAware(IdleRef) then
            Uses = Uses + 1
            KeDelayExecutionThread(KernelMode, false, -math.random(1, 100))
            ExReleaseRundownProtectionCacheAware(IdleRef)
          end
          assert(ExAcquireRundownProtectionCacheAwareEx(Embedded, 2))
          ExReleaseRundownProtectionCacheAwareEx(Embedded, 2)
        end
        KeSetEvent(Done[i], 0, false)
        PsTerminateSystemThread(STATUS_SUCCESS)
      end, nil)
      assert(status == STATUS_SUCCESS)
      ZwClose(handle)
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExWaitForRundownProtectionReleaseCacheAware(IdleRef)   -- may wait for a thread
      ExRundownCompletedCacheAware(IdleRef)
      assert(not ExAcquireRundownProtectionCacheAware(IdleRef))
      KeWaitForMultipleObjects(2, Done, WaitAll, Executive, KernelMode, false, nil, nil)
      ExReInitializeRundownProtectionCacheAware(IdleRef)
      assert(ExAcquireRundownProtectionCacheAware(IdleRef))
      ExReleaseRundownProtectionCacheAware(IdleRef)
      ExFreeCacheAwareRundownProtection(IdleRef)
      ExWaitForRundownProtectionReleaseCacheAware(Embedded)
      ExFreePoolWithTag(Embedded, "DcEx")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "diskcls.sys"
  Sleep "1ms"
  UnloadDriver "diskcls.sys"
end)
