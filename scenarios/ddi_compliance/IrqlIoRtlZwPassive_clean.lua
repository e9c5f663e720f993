-- Clean twin of IrqlIoRtlZwPassive.lua: the driver copies its statistics
-- under the fast mutex and writes them to the registry after releasing it,
-- at PASSIVE_LEVEL; the harness reads the value back.
scenario { verifier = "/ruleclasses 35 /driver cfgw.sys", expect = "clean" }

driver "cfgw.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Lock = FAST_MUTEX()
    ExInitializeFastMutex(Lock)
    local Value = ExAllocatePoolWithTag(PagedPool, 4, "Cfgw")
    ExAcquireFastMutex(Lock)
    Value:set_u32(0, 42)
    ExReleaseFastMutex(Lock)
    assert(RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, "cfgw", "Requests",
                                 REG_DWORD, Value, 4) == STATUS_SUCCESS)
    ExFreePoolWithTag(Value, "Cfgw")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgw.sys"
  UnloadDriver "cfgw.sys"
  local value = RegistryGet("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\cfgw", "Requests")
  assert(value == 42)
end)
