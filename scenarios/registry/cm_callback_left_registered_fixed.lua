-- cm_callback_left_registered_fixed: regmon.sys unregisters its
-- RegistryCallback in its unload routine (CmUnRegisterCallback with the
-- cookie CmRegisterCallbackEx gave), so cfgw.sys's registry operation after
-- the unload calls nothing of it. Clean, under /standard.
scenario {
  verifier = "/standard /driver regmon.sys cfgw.sys",
  expect = "clean",
}

driver "regmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status
    status, Cookie = CmRegisterCallbackEx(function(Context, NotifyClass, Info)
      return STATUS_SUCCESS
    end, "385000", DriverObject, nil, nil)
    DriverObject.DriverUnload = function(DriverObject)
      assert(CmUnRegisterCallback(Cookie) == STATUS_SUCCESS)
    end
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
  assert(LoadDriver "cfgw.sys" == STATUS_SUCCESS)
  UnloadDriver "cfgw.sys"
  assert(RegistryGet("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgw", "Loaded") == 1)
end)
