-- kmutex_cycle_clean: the volume driver of kmutex_cycle with one lock
-- order. The flusher takes the table's mutex before the cache's, as the
-- mount thread does, so it waits for the mount thread to finish rather
-- than for a mutex the mount thread waits for: both threads end, the
-- unload returns, and the run is clean on every seed.
scenario { expect = "clean" }

local function Start(Routine)
  local status, handle = PsCreateSystemThread(0, nil, nil, Routine, nil)
  local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
  ZwClose(handle)
  return object
end

driver "volume.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableMutex, CacheMutex = KMUTEX(), KMUTEX()
    Started, Flushing = KEVENT(), KEVENT()
    KeInitializeMutex(TableMutex, 0)
    KeInitializeMutex(CacheMutex, 0)
    KeInitializeEvent(Started, NotificationEvent, false)
    KeInitializeEvent(Flushing, NotificationEvent, false)
    Mounter = Start(function(StartContext)
      KeWaitForSingleObject(TableMutex, Executive, KernelMode, false, nil)
      KeSetEvent(Started, 0, false)
      KeWaitForSingleObject(Flushing, Executive, KernelMode, false, nil)
      KeWaitForSingleObject(CacheMutex, Executive, KernelMode, false, nil)
      KeReleaseMutex(CacheMutex, false)
      KeReleaseMutex(TableMutex, false)
    end)
    Flusher = Start(function(StartContext)
      KeWaitForSingleObject(Started, Executive, KernelMode, false, nil)
      KeSetEvent(Flushing, 0, false)
      KeWaitForSingleObject(TableMutex, Executive, KernelMode, false, nil)   -- the same order
      KeWaitForSingleObject(CacheMutex, Executive, KernelMode, false, nil)
      KeReleaseMutex(CacheMutex, false)
      KeReleaseMutex(TableMutex, false)
    end)
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Mounter, Executive, KernelMode, false, nil)
      KeWaitForSingleObject(Flusher, Executive, KernelMode, false, nil)
      ObDereferenceObject(Mounter)
      ObDereferenceObject(Flusher)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "volume.sys"
  Sleep "10ms"
  UnloadDriver "volume.sys"
end)
