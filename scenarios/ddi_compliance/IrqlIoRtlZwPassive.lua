-- IrqlIoRtlZwPassive (rule class 35, the optional IRQL rules): a driver
-- saves its statistics to its service key from under its fast mutex.
-- ExAcquireFastMutex raises to APC_LEVEL; RtlWriteRegistryValue, like the
-- other file and registry routines the rule lists, is called at
-- PASSIVE_LEVEL only (0xC4/0x20023). Rule class 35 is not part of /standard.
scenario {
  verifier = "/ruleclasses 35 /driver cfgw.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x20023, p3 = 0, driver = "cfgw.sys" },
}

driver "cfgw.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Lock = FAST_MUTEX()
    ExInitializeFastMutex(Lock)
    local Value = ExAllocatePoolWithTag(PagedPool, 4, "Cfgw")
    ExAcquireFastMutex(Lock)
    Value:set_u32(0, 42)
    -- BUG: the registry is written at APC_LEVEL; release the mutex first.
    RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, "cfgw", "Requests",
                          REG_DWORD, Value, 4)
    ExReleaseFastMutex(Lock)
    ExFreePoolWithTag(Value, "Cfgw")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgw.sys"
  UnloadDriver "cfgw.sys"
end)
