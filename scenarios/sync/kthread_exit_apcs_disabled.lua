-- kthread_exit_apcs_disabled: a sensor driver's polling thread takes the
-- device's KMUTEX for each sample. BUG: when the device reports an error the
-- thread gives up and ends without KeReleaseMutex. Acquiring a KMUTEX enters
-- a critical region, so the thread exits with normal kernel APCs still
-- disabled, which PspExitThread refuses: KERNEL_APC_PENDING_DURING_EXIT
-- (0x20), P2 the thread's APC-disable count (KernelApcDisable -1, 0xFFFF).
-- The same happens with or without Driver Verifier.
scenario {
  expect = { bugcheck = 0x20, p1 = 0, p2 = 0xFFFF, driver = "sensor.sys" },
}

driver "sensor.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DeviceLock = KMUTEX()
    Samples = 0
    KeInitializeMutex(DeviceLock, 0)
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while true do
        KeWaitForSingleObject(DeviceLock, Executive, KernelMode, false, nil)
        Samples = Samples + 1
        if Samples == 5 then                 -- the device reports an error
          PsTerminateSystemThread(STATUS_UNSUCCESSFUL)   -- BUG: still owns DeviceLock
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
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensor.sys"
  Sleep "100ms"
  UnloadDriver "sensor.sys"
end)
