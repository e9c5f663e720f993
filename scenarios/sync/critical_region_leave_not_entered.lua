-- critical_region_leave_not_entered: a volume driver refreshes its cached
-- geometry inside a critical region, so that no APC suspends the thread while
-- it holds the cache's mutex. BUG: the error path leaves the critical region
-- itself and then falls through to the common exit, which leaves it again.
-- The second KeLeaveCriticalRegion finds the thread outside any critical
-- region: Driver Verifier stops it, 0xC4/0x3E.
scenario {
  verifier = "/standard /driver volgeo.sys",
  expect = { bugcheck = 0xC4, p1 = 0x3E, p2 = 0, p3 = 0, p4 = 0, driver = "volgeo.sys" },
}

driver "volgeo.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    CacheLock = KMUTEX()
    Geometry = nil
    KeInitializeMutex(CacheLock, 0)

    local function RefreshGeometry(Sectors)
      local Status = STATUS_SUCCESS
      KeEnterCriticalRegion()
      KeWaitForSingleObject(CacheLock, Executive, KernelMode, false, nil)
      if Sectors == 0 then
        Status = STATUS_UNSUCCESSFUL
        KeReleaseMutex(CacheLock, false)
        KeLeaveCriticalRegion()              -- BUG: the exit below leaves it too
      else
        Geometry = { Sectors = Sectors, BytesPerSector = 512 }
        KeReleaseMutex(CacheLock, false)
      end
      KeLeaveCriticalRegion()
      return Status
    end

    RefreshGeometry(2048)
    RefreshGeometry(0)                       -- the medium is gone
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "volgeo.sys"
  UnloadDriver "volgeo.sys"
end)
