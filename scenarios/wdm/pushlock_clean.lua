-- pushlock_clean: routedrv.sys keeps its routing table under a push lock,
-- as file-system and network drivers do: lookups take it shared, updates
-- exclusive, each inside KeEnterCriticalRegion / KeLeaveCriticalRegion as
-- the routines require (normal kernel APCs disabled). Three reader threads
-- and a writer run on the two processors: readers share the lock, the
-- writer has it alone, and a reader that comes while the writer waits
-- queues behind it.
scenario {
  verifier = "/standard /driver routedrv.sys",
  cpus     = 2,
}

local ROUNDS = 40

driver "routedrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = EX_PUSH_LOCK()
    ExInitializePushLock(TableLock)
    Routes, Readers, Writers, MaxReaders = { Version = 0 }, 0, 0, 0
    Done = {}

    local function Lookup()
      KeEnterCriticalRegion()
      ExAcquirePushLockSharedEx(TableLock, EX_DEFAULT_PUSH_LOCK_FLAGS)
      Readers = Readers + 1
      assert(Writers == 0, "no writer while a reader holds it")
      if Readers > MaxReaders then MaxReaders = Readers end
      local Version = Routes.Version
      KeDelayExecutionThread(KernelMode, false, -math.random(1, 100))
      assert(Routes.Version == Version, "the table did not change under a reader")
      Readers = Readers - 1
      ExReleasePushLockSharedEx(TableLock, EX_DEFAULT_PUSH_LOCK_FLAGS)
      KeLeaveCriticalRegion()
    end

    local function Update()
      KeEnterCriticalRegion()
      ExAcquirePushLockExclusive(TableLock)
      Writers = Writers + 1
      assert(Writers == 1 and Readers == 0, "the writer has it alone")
      Routes.Version = Routes.Version + 1
      KeDelayExecutionThread(KernelMode, false, -math.random(1, 100))
      Writers = Writers - 1
      ExReleasePushLockExclusive(TableLock)
      KeLeaveCriticalRegion()
    end

    for i = 1, 4 do
      Done[i] = KEVENT()
      KeInitializeEvent(Done[i], NotificationEvent, false)
      local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
        for n = 1, ROUNDS do
          if i == 4 then Update() else Lookup() end
        end
        KeSetEvent(Done[i], 0, false)
        PsTerminateSystemThread(STATUS_SUCCESS)
      end, nil)
      assert(status == STATUS_SUCCESS)
      ZwClose(handle)
    end

    DriverObject.DriverUnload = function(DriverObject)
      for i = 1, 4 do
        KeWaitForSingleObject(Done[i], Executive, KernelMode, false, nil)
      end
      assert(Routes.Version == ROUNDS)
      assert(MaxReaders >= 2, "readers shared the lock: " .. MaxReaders)
      assert(TableLock:u64(0) == 0, "free at the end")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "routedrv.sys"
  UnloadDriver "routedrv.sys"
end)
