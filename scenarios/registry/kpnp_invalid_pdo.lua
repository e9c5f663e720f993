-- kpnp_invalid_pdo: legacy.sys, a non-PnP driver, creates its control
-- device in DriverEntry and asks for the device's registry key with
-- IoOpenDeviceRegistryKey. Device keys belong to a device node, which only a
-- PDO the PnP manager enumerated has: the kernel checks first
-- (ASSERT_PDO), verified or not: PNP_DETECTED_FATAL_ERROR (0xCA), P1 = 2
-- (invalid PDO), P2 the device object.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xca--pnp-detected-fatal-error.md
scenario {
  expect = { bugcheck = 0xCA, p1 = 0x2, driver = "legacy.sys" },
}

driver "legacy.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\Legacy",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    -- The bug: a device key for a device that is not a PDO.
    local status2, key = IoOpenDeviceRegistryKey(device, PLUGPLAY_REGKEY_DEVICE, KEY_READ)
    if status2 == STATUS_SUCCESS then
      ZwClose(key)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(DriverObject.DeviceObject)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "legacy.sys"
  UnloadDriver "legacy.sys"
end)
