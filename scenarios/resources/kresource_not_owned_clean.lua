-- kresource_not_owned_clean: the configuration table of kresource_not_owned
-- as it should be. Three worker threads look values up under the shared
-- lock (several readers at once), a fourth thread updates the table under
-- the exclusive lock from time to time (and waits for the readers to leave),
-- everyone inside a critical region; every lookup releases exactly once.
-- The writer checks, under its exclusive lock, that no reader holds it.
scenario {
  verifier = "/standard /driver cfgtab.sys",
  cpus = 2,
  expect = "clean",
}

driver "cfgtab.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ConfigLock, Stop = ERESOURCE(), KEVENT()
    Config = { MaxTransfer = 65536, Timeout = 30, Generation = 0 }
    Lookups, Updates, Readers = 0, 0, 0
    ExInitializeResourceLite(ConfigLock)
    KeInitializeEvent(Stop, NotificationEvent, false)

    local function Lookup(Key)
      KeEnterCriticalRegion()
      ExAcquireResourceSharedLite(ConfigLock, true)
      Readers = Readers + 1
      local Value = Config[Key]
      KeDelayExecutionThread(KernelMode, false, -10000)   -- work under the lock
      Readers = Readers - 1
      ExReleaseResourceLite(ConfigLock)
      KeLeaveCriticalRegion()
      Lookups = Lookups + 1
      return Value
    end

    local function Update()
      KeEnterCriticalRegion()
      ExAcquireResourceExclusiveLite(ConfigLock, true)
      if Readers ~= 0 then
        KeBugCheckEx(0xDEAD, Readers, 0, 0, 0)   -- the lock let a writer in with readers
      end
      Config.Generation = Config.Generation + 1
      Config.Timeout = 30 + Config.Generation
      ExReleaseResourceLite(ConfigLock)
      KeLeaveCriticalRegion()
      Updates = Updates + 1
    end

    local function Start(routine)
      local status, handle = PsCreateSystemThread(0, nil, nil, routine, nil)
      if status ~= STATUS_SUCCESS then
        return nil
      end
      local _, thread = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
      ZwClose(handle)
      return thread
    end

    Threads = {}
    for i = 1, 3 do
      Threads[#Threads + 1] = Start(function(Context)
        while KeReadStateEvent(Stop) == 0 do
          Lookup(i % 2 == 0 and "Timeout" or "MaxTransfer")
          Lookup("QueueDepth")
        end
        PsTerminateSystemThread(STATUS_SUCCESS)
      end)
    end
    Threads[#Threads + 1] = Start(function(Context)
      while KeWaitForSingleObject(Stop, Executive, KernelMode, false, -10000 * 3) ==
          STATUS_TIMEOUT do
        Update()
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end)

    DriverObject.DriverUnload = function(DriverObject)
      KeSetEvent(Stop, 0, false)
      for _, thread in ipairs(Threads) do
        KeWaitForSingleObject(thread, Executive, KernelMode, false, nil)
        ObDereferenceObject(thread)
      end
      ExDeleteResourceLite(ConfigLock)
      if Lookups == 0 or Updates == 0 then
        KeBugCheckEx(0xDEAD, Lookups, Updates, 0, 0)   -- the threads did not run
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgtab.sys"
  Sleep "50ms"
  UnloadDriver "cfgtab.sys"
end)
