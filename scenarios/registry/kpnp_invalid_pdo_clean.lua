-- kpnp_invalid_pdo, clean twin: legacy.sys keeps its settings where a
-- non-PnP driver's go, under its service key (the RegistryPath DriverEntry
-- is given), and reads them with ZwOpenKey and ZwQueryValueKey. Clean.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xca--pnp-detected-fatal-error.md
scenario {
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\legacy\\Parameters"] = {
      Mode = 2,
    },
  },
  expect = "clean",
}

driver "legacy.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\Legacy",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, RegistryPath .. "\\Parameters",
                               OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
    local key
    status, key = ZwOpenKey(KEY_READ, oa)
    if status == STATUS_SUCCESS then
      local info = ExAllocatePoolWithTag(PagedPool, 16, "Lgcy")
      status = ZwQueryValueKey(key, "Mode", KeyValuePartialInformation, info, 16)
      assert(status == STATUS_SUCCESS and KEY_VALUE_PARTIAL_INFORMATION(info).Data:u32(0) == 2)
      ExFreePoolWithTag(info, "Lgcy")
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
