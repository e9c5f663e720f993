-- critical_region_enter_above_apc: a USB driver's helper that updates its
-- device list enters a critical region first, as its other callers need.
-- BUG: the surprise-removal path calls the helper while it holds the
-- device's spin lock, at DISPATCH_LEVEL; the critical region routines may be
-- called at APC_LEVEL at most. Force IRQL checking (0x2, Windows 7 and later)
-- stops the call: 0xC4/0x11A, P2 the IRQL.
scenario {
  verifier = "/flags 0x2 /driver usbdev.sys",
  expect = { bugcheck = 0xC4, p1 = 0x11A, p2 = DISPATCH_LEVEL, driver = "usbdev.sys" },
}

driver "usbdev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DeviceLock = KSPIN_LOCK()
    Devices = { hub = true, camera = true }
    KeInitializeSpinLock(DeviceLock)

    local function ForgetDevice(Name)
      KeEnterCriticalRegion()
      Devices[Name] = nil
      KeLeaveCriticalRegion()
    end

    ForgetDevice("hub")
    local OldIrql = KeAcquireSpinLock(DeviceLock)
    ForgetDevice("camera")                   -- BUG: at DISPATCH_LEVEL
    KeReleaseSpinLock(DeviceLock, OldIrql)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "usbdev.sys"
  UnloadDriver "usbdev.sys"
end)
