-- kob_close_protected_handle (clean twin): the unload routine clears
-- ProtectFromClose before it closes the handle; a ZwClose while the handle
-- is protected is what the trigger does.
scenario {
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgwatch\\Parameters"] = {
      Interval = 10,
    },
  },
  verifier = "/standard /driver cfgwatch.sys",
  expect = "clean",
}

driver "cfgwatch.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, RegistryPath .. "\\Parameters",
                               OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
    local status
    status, Key = ZwOpenKey(KEY_READ, oa)
    if status ~= STATUS_SUCCESS then
      return status
    end
    -- OBJECT_HANDLE_FLAG_INFORMATION { BOOLEAN Inherit; BOOLEAN ProtectFromClose; }
    Flags = ExAllocatePoolWithTag(NonPagedPoolNx, 2, "CfgW")
    if Flags == nil then
      ZwClose(Key)
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Flags:set_u8(0, 0)
    Flags:set_u8(1, 1)
    status = ObSetHandleAttributes(Key, Flags, KernelMode)
    assert(status == STATUS_SUCCESS)
    DriverObject.DriverUnload = function(DriverObject)
      Flags:set_u8(1, 0)                                      -- right
      assert(ObSetHandleAttributes(Key, Flags, KernelMode) == STATUS_SUCCESS)
      assert(ZwClose(Key) == STATUS_SUCCESS)
      ExFreePoolWithTag(Flags, "CfgW")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgwatch.sys"
  UnloadDriver "cfgwatch.sys"
end)
