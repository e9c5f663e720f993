-- fast_mutex_unsafe_acquire_bad_irql_clean: the filter of
-- fast_mutex_unsafe_acquire_bad_irql with every Unsafe acquire inside a
-- critical region, and a second thread inserting contexts at the same time,
-- so the two contend for the mutex.
scenario {
  verifier = "/standard /driver ctxflt.sys",
  cpus = 2,
  expect = "clean",
}

driver "ctxflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = FAST_MUTEX()
    Contexts, Found = {}, 0
    ExInitializeFastMutex(TableLock)

    local function InsertContext(Key)
      KeEnterCriticalRegion()
      ExAcquireFastMutexUnsafe(TableLock)
      Contexts[Key] = true
      ExReleaseFastMutexUnsafe(TableLock)
      KeLeaveCriticalRegion()
    end

    local function LookupContext(Key)
      KeEnterCriticalRegion()
      ExAcquireFastMutexUnsafe(TableLock)
      local Hit = Contexts[Key]
      ExReleaseFastMutexUnsafe(TableLock)
      KeLeaveCriticalRegion()
      return Hit
    end

    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      for i = 1, 20 do
        InsertContext("b" .. i)
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Inserter = object
    for i = 1, 20 do
      InsertContext("a" .. i)
      if LookupContext("b" .. i) then
        Found = Found + 1
      end
    end
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Inserter, Executive, KernelMode, false, nil)
      ObDereferenceObject(Inserter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ctxflt.sys"
  UnloadDriver "ctxflt.sys"
end)
