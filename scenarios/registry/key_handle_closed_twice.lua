-- key_handle_closed_twice: keycache.sys closes its Parameters key at the
-- end of DriverEntry but keeps the handle in a global, and its unload
-- routine queries a value through it. The service references the handle in
-- kernel mode: with miscellaneous checks (in /standard) bad handle
-- detection stops it, INVALID_KERNEL_HANDLE (0x93, P4 = 1), as it does for
-- ObReferenceObjectByHandle.
-- Source: windows-driver-docs-pr/debugger/bug-check-0x93--invalid-kernel-handle.md
scenario {
  verifier = "/standard /driver keycache.sys",
  expect = { bugcheck = 0x93, p4 = 1, driver = "keycache.sys" },
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
    ZwClose(ServiceKey) -- the bug: the handle stays in ServiceKey
    DriverObject.DriverUnload = function(DriverObject)
      local info = ExAllocatePoolWithTag(PagedPool, 16, "KeyC")
      ZwQueryValueKey(ServiceKey, "Start", KeyValuePartialInformation, info, 16)
      ExFreePoolWithTag(info, "KeyC")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "keycache.sys"
  UnloadDriver "keycache.sys"
end)
