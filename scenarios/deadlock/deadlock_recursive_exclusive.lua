-- deadlock_recursive_exclusive: a volume driver reads its mount table under
-- the table's ERESOURCE held shared, and when the entry it looks for is
-- stale it "upgrades" to exclusive to refresh it, without releasing the
-- shared hold first. An ERESOURCE has no upgrade: an exclusive request
-- waits for every shared owner to leave, itself included, for ever. With
-- deadlock detection on, Driver Verifier stops at the request (0xC4,
-- P1 = 0x1000, P2 the resource).
scenario {
  verifier = "/flags 0x20 /driver volmnt.sys",
  expect = { bugcheck = 0xC4, p1 = 0x1000, driver = "volmnt.sys" },
}

driver "volmnt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    TableLock = ERESOURCE()
    ExInitializeResourceLite(TableLock)
    Stale = true

    KeEnterCriticalRegion()
    ExAcquireResourceSharedLite(TableLock, true)
    if Stale then
      ExAcquireResourceExclusiveLite(TableLock, true)   -- BUG: held shared by this thread
      Stale = false
      ExReleaseResourceLite(TableLock)
    end
    ExReleaseResourceLite(TableLock)
    KeLeaveCriticalRegion()

    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteResourceLite(TableLock)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "volmnt.sys"
  UnloadDriver "volmnt.sys"
end)
