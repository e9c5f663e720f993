-- cm_callback_left_registered: regmon.sys registers a RegistryCallback with
-- CmRegisterCallbackEx but its unload routine forgets CmUnRegisterCallback
-- (BUG). Windows does not check at unload; the next registry operation,
-- here cfgw.sys setting a value, calls the routine in the unloaded image:
-- DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0xCE), blamed on
-- regmon.sys, as for an Ob callback left registered.
scenario {
  verifier = "/standard /driver regmon.sys cfgw.sys",
  expect = { bugcheck = 0xCE, driver = "regmon.sys" },
}

driver "regmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status
    status, Cookie = CmRegisterCallbackEx(function(Context, NotifyClass, Info)
      return STATUS_SUCCESS
    end, "385000", DriverObject, nil, nil)
    DriverObject.DriverUnload = function(DriverObject) end -- BUG: Cookie stays registered
    return status
  end,
}

driver "cfgw.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
    local status, key = ZwOpenKey(KEY_ALL_ACCESS, oa)
    if status ~= STATUS_SUCCESS then return status end
    local data = ExAllocatePoolWithTag(PagedPool, 4, "Cfgw")
    data:set_u32(0, 1)
    status = ZwSetValueKey(key, "Loaded", 0, REG_DWORD, data, 4)
    ExFreePoolWithTag(data, "Cfgw")
    ZwClose(key)
    DriverObject.DriverUnload = function(DriverObject) end
    return status
  end,
}

run(function()
  assert(LoadDriver "regmon.sys" == STATUS_SUCCESS)
  UnloadDriver "regmon.sys"
  LoadDriver "cfgw.sys"
end)
