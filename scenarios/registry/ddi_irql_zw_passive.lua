-- ddi_irql_zw_passive: cfgdpc.sys reads its sampling interval from the
-- registry in its timer DPC, so ZwQueryValueKey runs at DISPATCH_LEVEL.
-- DDI compliance checking (in /standard) stops it: IrqlZwPassive, 0xC4 with
-- P1 0x2001F (the Zw routines are PASSIVE_LEVEL only: their service code is
-- pageable and may wait).
-- Source: windows-driver-docs-pr/devtest/wdm-irqlzwpassive.md
scenario {
  verifier = "/standard /driver cfgdpc.sys",
  registry = {
    ["\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgdpc\\Parameters"] = {
      IntervalMs = 50,
    },
  },
  expect = { bugcheck = 0xC4, p1 = 0x2001F, p3 = DISPATCH_LEVEL, driver = "cfgdpc.sys" },
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
    ParametersKey = key
    Info = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Cfgd")
    Timer, Dpc = KTIMER(), KDPC()
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
      -- The bug: a Zw call from a DPC.
      ZwQueryValueKey(ParametersKey, "IntervalMs", KeyValuePartialInformation, Info, 16)
    end, nil)
    KeSetTimer(Timer, -10000 * 10, Dpc)
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      ZwClose(ParametersKey)
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
