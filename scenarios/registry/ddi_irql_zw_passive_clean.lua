-- ddi_irql_zw_passive, clean twin: cfgdpc.sys reads the interval once, at
-- PASSIVE_LEVEL in DriverEntry, and its DPC uses the copy it keeps in
-- nonpaged memory. Clean.
-- Source: windows-driver-docs-pr/devtest/wdm-irqlzwpassive.md
scenario {
  verifier = "/standard /driver cfgdpc.sys",
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgdpc\\Parameters"] = {
      IntervalMs = 50,
    },
  },
  expect = "clean",
}

driver "cfgdpc.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local oa = OBJECT_ATTRIBUTES()
    InitializeObjectAttributes(oa, RegistryPath .. "\\Parameters",
                               OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nil, nil)
    local status, key = ZwOpenKey(KEY_READ, oa)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Info = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Cfgd")
    status = ZwQueryValueKey(key, "IntervalMs", KeyValuePartialInformation, Info, 16)
    ZwClose(key)
    if status ~= STATUS_SUCCESS then
      ExFreePoolWithTag(Info, "Cfgd")
      return status
    end
    Timer, Dpc = KTIMER(), KDPC()
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
      local interval = KEY_VALUE_PARTIAL_INFORMATION(Info).Data:u32(0)
      assert(interval == 50)
    end, nil)
    KeSetTimer(Timer, -10000 * 10, Dpc)
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      ExFreePoolWithTag(Info, "Cfgd")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgdpc.sys"
  Sleep "100ms"
  UnloadDriver "cfgdpc.sys"
end)
