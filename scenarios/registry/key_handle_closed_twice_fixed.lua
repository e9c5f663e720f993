-- key_handle_closed_twice, fixed: keycache.sys keeps the key open until its
-- unload routine has used it, then closes it once. Clean.
-- Source: windows-driver-docs-pr/debugger/bug-check-0x93--invalid-kernel-handle.md
scenario {
  verifier = "/standard /driver keycache.sys",
  expect = "clean",
}

driver "keycache.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil,
                               nil)
    local status
    status, ServiceKey = ZwOpenKey(KEY_READ, oa)
    if status ~= STATUS_SUCCESS then
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      local info = ExAllocatePoolWithTag(PagedPool, 16, "KeyC")
      local status = ZwQueryValueKey(ServiceKey, "Start", KeyValuePartialInformation, info, 16)
      assert(status == STATUS_SUCCESS and KEY_VALUE_PARTIAL_INFORMATION(info).Data:u32(0) == 3)
      ExFreePoolWithTag(info, "KeyC")
      ZwClose(ServiceKey)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "keycache.sys"
  UnloadDriver "keycache.sys"
end)
