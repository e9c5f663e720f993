-- deadlock_initialized_twice: a sensor driver's "reset" path initialises its
-- device KMUTEX again, as DriverEntry did. KeInitializeMutex on a mutex in
-- use forgets its owner and its waiters; with deadlock detection on, Driver
-- Verifier stops at the second initialisation (0xC4, P1 = 0x1005, P2 the
-- mutex).
scenario {
  verifier = "/flags 0x20 /driver sensr.sys",
  expect = { bugcheck = 0xC4, p1 = 0x1005, driver = "sensr.sys" },
}

driver "sensr.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DeviceLock = KMUTEX()
    KeInitializeMutex(DeviceLock, 0)
    Calibrated = false

    local function Reset()
      KeInitializeMutex(DeviceLock, 0)   -- BUG: initialised already
      Calibrated = false
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
