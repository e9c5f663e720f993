-- critical_region_enter_above_apc_clean: the USB driver of
-- critical_region_enter_above_apc marks the device gone under its spin lock
-- and calls the helper after releasing it, back at PASSIVE_LEVEL.
scenario {
  verifier = "/flags 0x2 /driver usbdev.sys",
  expect = "clean",
}

driver "usbdev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DeviceLock = KSPIN_LOCK()
    Devices, Removed = { hub = true, camera = true }, {}
    KeInitializeSpinLock(DeviceLock)

    local function ForgetDevice(Name)
      KeEnterCriticalRegion()
      Devices[Name] = nil
      KeLeaveCriticalRegion()
    end

    local OldIrql = KeAcquireSpinLock(DeviceLock)
    Removed.camera = true
    KeReleaseSpinLock(DeviceLock, OldIrql)
    ForgetDevice("camera")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "usbdev.sys"
  UnloadDriver "usbdev.sys"
end)
