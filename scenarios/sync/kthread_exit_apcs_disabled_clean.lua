-- kthread_exit_apcs_disabled_clean: the sensor driver of
-- kthread_exit_apcs_disabled releasing the device's KMUTEX before it gives
-- up. The unload routine takes the mutex too, recursively (the reset helper
-- it calls takes it again), to show that a KMUTEX is recursive for its owner.
scenario {
  verifier = "/standard /driver sensor.sys",
  expect = "clean",
}

driver "sensor.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DeviceLock = KMUTEX()
    Samples = 0
    KeInitializeMutex(DeviceLock, 0)

    local function ResetDevice()
      KeWaitForSingleObject(DeviceLock, Executive, KernelMode, false, nil)
      Samples = 0
      KeReleaseMutex(DeviceLock, false)
    end

    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while true do
        KeWaitForSingleObject(DeviceLock, Executive, KernelMode, false, nil)
        Samples = Samples + 1
        if Samples == 5 then
          KeReleaseMutex(DeviceLock, false)
          PsTerminateSystemThread(STATUS_UNSUCCESSFUL)
        end
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
      KeWaitForSingleObject(DeviceLock, Executive, KernelMode, false, nil)
      ResetDevice()
      KeReleaseMutex(DeviceLock, false)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensor.sys"
  Sleep "100ms"
  UnloadDriver "sensor.sys"
end)
