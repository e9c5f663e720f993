-- critical_region_leave_above_apc: a serial driver updates its baud rate
-- inside a critical region and, for the hardware write, under its register
-- spin lock. BUG: it leaves the critical region before releasing the spin
-- lock, still at DISPATCH_LEVEL. Force IRQL checking (0x2, Windows 7 and
-- later) stops the call: 0xC4/0x11B, P2 the IRQL.
scenario {
  verifier = "/flags 0x2 /driver serx.sys",
  expect = { bugcheck = 0xC4, p1 = 0x11B, p2 = DISPATCH_LEVEL, driver = "serx.sys" },
}

driver "serx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    RegisterLock = KSPIN_LOCK()
    BaudRate = 9600
    KeInitializeSpinLock(RegisterLock)
    KeEnterCriticalRegion()
    local OldIrql = KeAcquireSpinLock(RegisterLock)
    BaudRate = 115200
    KeLeaveCriticalRegion()                  -- BUG: the spin lock is still held
    KeReleaseSpinLock(RegisterLock, OldIrql)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "serx.sys"
  UnloadDriver "serx.sys"
end)
