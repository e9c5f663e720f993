-- kthread_exit_mutex_held_clean: the sensor driver of kthread_exit_mutex_held
-- keeping the mutex's critical region as it is and releasing the mutex on
-- every path; a second sampling thread contends for the same KMUTEX, which
-- passes to it when the first releases it.
scenario {
  cpus = 2,
  expect = "clean",
}

driver "sensor.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DeviceLock = KMUTEX()
    Samples = 0
    KeInitializeMutex(DeviceLock, 0)

    local function Sampler(StartContext)
      while true do
        KeWaitForSingleObject(DeviceLock, Executive, KernelMode, false, nil)
        Samples = Samples + 1
        if Samples >= 10 then
          KeReleaseMutex(DeviceLock, false)
          return
        end
        KeReleaseMutex(DeviceLock, false)
        KeDelayExecutionThread(KernelMode, false, -10000 * 10)
      end
    end

    Pollers = {}
    for i = 1, 2 do
      local status, handle = PsCreateSystemThread(0, nil, nil, Sampler, nil)
      local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
      ZwClose(handle)
      Pollers[i] = object
    end
    DriverObject.DriverUnload = function(DriverObject)
      for i = 1, 2 do
        KeWaitForSingleObject(Pollers[i], Executive, KernelMode, false, nil)
        ObDereferenceObject(Pollers[i])
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensor.sys"
  Sleep "200ms"
  UnloadDriver "sensor.sys"
end)
