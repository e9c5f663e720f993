-- kthread_exit_mutex_held: the sensor driver again. Its author noticed that
-- holding the device's KMUTEX disables APCs and "fixed" it by calling
-- KeLeaveCriticalRegion right after the acquire, so the count is back to zero
-- while the mutex is held. BUG: on the error path the thread still ends
-- without KeReleaseMutex. Its APC-disable count is now zero, so the exit goes
-- on to KeRundownThread, which finds a kernel mutex still owned:
-- THREAD_TERMINATE_HELD_MUTEX (0x4000008A, P1 the thread, P2 the mutex).
-- Driver Verifier has no objection to the unbalanced leave here: the thread
-- was in a critical region (the mutex's) when it left it.
scenario {
  expect = { bugcheck = 0x4000008A, driver = "sensor.sys" },
}

driver "sensor.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DeviceLock = KMUTEX()
    Samples = 0
    KeInitializeMutex(DeviceLock, 0)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while true do
        KeWaitForSingleObject(DeviceLock, Executive, KernelMode, false, nil)
        KeLeaveCriticalRegion()              -- "let APCs in while we sample"
        Samples = Samples + 1
        if Samples == 5 then
          return                             -- BUG: still owns DeviceLock
        end
        KeEnterCriticalRegion()
        KeReleaseMutex(DeviceLock, false)
        KeDelayExecutionThread(KernelMode, false, -10000 * 10)
      end
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Poller = object
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Poller, Executive, KernelMode, false, nil)
      ObDereferenceObject(Poller)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensor.sys"
  Sleep "100ms"
  UnloadDriver "sensor.sys"
end)
