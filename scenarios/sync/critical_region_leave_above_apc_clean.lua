-- critical_region_leave_above_apc_clean: the serial driver of
-- critical_region_leave_above_apc releasing the spin lock first, then
-- leaving the critical region at PASSIVE_LEVEL. Entering and leaving at
-- APC_LEVEL is allowed too.
scenario {
  verifier = "/flags 0x2 /driver serx.sys",
  expect = "clean",
}

driver "serx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    RegisterLock = KSPIN_LOCK()
    BaudRate = 9600
    KeInitializeSpinLock(RegisterLock)
    KeEnterCriticalRegion()
    local OldIrql = KeAcquireSpinLock(RegisterLock)
    BaudRate = 115200
    KeReleaseSpinLock(RegisterLock, OldIrql)
    KeLeaveCriticalRegion()
    local Irql = KeRaiseIrql(APC_LEVEL)
    KeEnterCriticalRegion()
    BaudRate = 57600
    KeLeaveCriticalRegion()
    KeLowerIrql(Irql)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "serx.sys"
  UnloadDriver "serx.sys"
end)
