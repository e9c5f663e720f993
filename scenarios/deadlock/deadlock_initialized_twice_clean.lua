-- deadlock_initialized_twice_clean: the sensor driver of
-- deadlock_initialized_twice with the fix: the reset path takes the device
-- mutex and resets the state under it; the mutex is initialised once.
scenario {
  verifier = "/flags 0x20 /driver sensr.sys",
  expect = "clean",
}

driver "sensr.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DeviceLock = KMUTEX()
    KeInitializeMutex(DeviceLock, 0)
    Calibrated = false

    local function Reset()
      KeWaitForSingleObject(DeviceLock, Executive, KernelMode, false, nil)
      Calibrated = false
      KeReleaseMutex(DeviceLock, false)
    end

    Reset()
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sensr.sys"
  UnloadDriver "sensr.sys"
end)
