-- kmutex_cycle: a volume driver keeps its mount table under one KMUTEX and
-- its cache under another. The mount thread takes the table's mutex, then
-- (after telling the flusher it has started) the cache's; the flusher takes
-- the cache's mutex first, then the table's. The two handshake events make
-- the inversion happen on every seed: each thread owns one mutex and waits
-- for the other's. No bug check: on Windows a wait deadlock at
-- PASSIVE_LEVEL is a hang. Nothing can wake either thread (no timer, DPC or
-- interrupt is pending, and the harness waits for them in DriverUnload), so
-- drvsim stops at once with outcome "deadlock" and the wait-for graph: each
-- thread, the KMUTEX it waits for at which line, and its owner, the other.
scenario { expect = "deadlock" }

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
      KeWaitForSingleObject(CacheMutex, Executive, KernelMode, false, nil)   -- waits for the flusher
      KeReleaseMutex(CacheMutex, false)
      KeReleaseMutex(TableMutex, false)
    end)
    Flusher = Start(function(StartContext)
      KeWaitForSingleObject(Started, Executive, KernelMode, false, nil)
      KeWaitForSingleObject(CacheMutex, Executive, KernelMode, false, nil)
      KeSetEvent(Flushing, 0, false)
      KeWaitForSingleObject(TableMutex, Executive, KernelMode, false, nil)   -- BUG: the other order
      KeReleaseMutex(TableMutex, false)
      KeReleaseMutex(CacheMutex, false)
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
