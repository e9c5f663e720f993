-- abba_fast_mutexes_clean: the storage filter of abba_fast_mutexes with
-- one lock order: the policy thread takes the list's mutex first, as the
-- mount thread does. Clean on every seed, and under the directed schedule
--
--   drvsim run scenarios/deadlock/abba_fast_mutexes_clean.lua \
--     --sched directed:scenarios/deadlock/abba_fast_mutexes_clean.lua:26,scenarios/deadlock/abba_fast_mutexes_clean.lua:35
--
-- the policy thread waits for the mount thread, which goes on when nothing
-- else can run, and both end.
scenario { expect = "clean" }

local function Start(Routine)
  local status, handle = PsCreateSystemThread(0, nil, nil, Routine, nil)
  local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
  ZwClose(handle)
  return object
end

driver "volfilt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ListLock, ConfigLock = FAST_MUTEX(), FAST_MUTEX()
    ExInitializeFastMutex(ListLock)
    ExInitializeFastMutex(ConfigLock)
    Volumes, Policy = {}, 0
    Mounter = Start(function(StartContext)
      ExAcquireFastMutex(ListLock)
      Volumes[#Volumes + 1] = "C:"
      ExAcquireFastMutex(ConfigLock)
      Policy = #Volumes
      ExReleaseFastMutex(ConfigLock)
      ExReleaseFastMutex(ListLock)
    end)
    Enforcer = Start(function(StartContext)
      KeDelayExecutionThread(KernelMode, false, -10000 * 10)   -- 10 ms later
      ExAcquireFastMutex(ListLock)   -- the same order
      ExAcquireFastMutex(ConfigLock)
      Policy = #Volumes
      ExReleaseFastMutex(ConfigLock)
      ExReleaseFastMutex(ListLock)
    end)
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Mounter, Executive, KernelMode, false, nil)
      KeWaitForSingleObject(Enforcer, Executive, KernelMode, false, nil)
      ObDereferenceObject(Mounter)
      ObDereferenceObject(Enforcer)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "volfilt.sys"
  Sleep "50ms"
  UnloadDriver "volfilt.sys"
end)
