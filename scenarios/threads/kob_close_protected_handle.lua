-- kob_close_protected_handle: cfgwatch.sys keeps a kernel handle to a
-- registry key for its whole life and protects it from close
-- (ObSetHandleAttributes, ProtectFromClose), so that no cleanup path closes
-- it early. Its unload routine closes it without lifting the protection:
-- kernel-mode code's NtClose on a protected handle stops the machine with
-- INVALID_KERNEL_HANDLE (0x93), verified or not. P1 the handle, P2 = 0 (a
-- protected handle closed), P3 = P4 = 0.
-- Source: windows-driver-docs-pr/debugger/bug-check-0x93--invalid-kernel-handle.md
scenario {
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgwatch\\Parameters"] = {
      Interval = 10,
    },
  },
  expect = { bugcheck = 0x93, p2 = 0, p3 = 0, p4 = 0, driver = "cfgwatch.sys" },
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
      -- BUG: the handle is still protected: clear ProtectFromClose first.
      ZwClose(Key)
      ExFreePoolWithTag(Flags, "CfgW")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgwatch.sys"
  UnloadDriver "cfgwatch.sys"
end)
