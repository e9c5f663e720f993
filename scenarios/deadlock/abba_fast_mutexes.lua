-- abba_fast_mutexes: a storage filter keeps its volume list and its
-- configuration under two fast mutexes. The mount thread takes the list's
-- mutex, then the configuration's; the policy thread, started 10 ms later,
-- takes the configuration's, then the list's: the opposite order. The
-- paths never overlap in time, so every seed is clean; held back at their
-- first acquisitions,
--
--   drvsim run scenarios/deadlock/abba_fast_mutexes.lua \
--     --sched directed:scenarios/deadlock/abba_fast_mutexes.lua:30,scenarios/deadlock/abba_fast_mutexes.lua:39
--
-- each thread owns one mutex and waits for the other's: a wait deadlock,
-- a hang on Windows, which drvsim ends with outcome "deadlock" and the
-- wait-for graph. abba_fast_mutexes_clean takes the mutexes in one order.
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
      ExAcquireFastMutex(ConfigLock)
      ExAcquireFastMutex(ListLock)   -- BUG: the other order
      Policy = #Volumes
      ExReleaseFastMutex(ListLock)
      ExReleaseFastMutex(ConfigLock)
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
