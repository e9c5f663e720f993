-- deadlock_uninitialized: a cache driver allocates its context, zeroed, and
-- takes the ERESOURCE in it without ExInitializeResourceLite: it "works",
-- a zeroed ERESOURCE looks free, but the kernel never listed it and nothing
-- says it is a lock. With deadlock detection on, Driver Verifier stops at the
-- first acquisition of a resource it never saw initialised (0xC4,
-- P1 = 0x1002, P2 the resource).
scenario {
  verifier = "/flags 0x20 /driver cachex.sys",
  expect = { bugcheck = 0xC4, p1 = 0x1002, driver = "cachex.sys" },
}

driver "cachex.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    CacheLock = ERESOURCE()      -- BUG: never ExInitializeResourceLite
    Entries = 0

    KeEnterCriticalRegion()
    ExAcquireResourceExclusiveLite(CacheLock, true)
    Entries = Entries + 1
    ExReleaseResourceLite(CacheLock)
    KeLeaveCriticalRegion()

    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cachex.sys"
  UnloadDriver "cachex.sys"
end)
