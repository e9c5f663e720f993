-- critical_region_leave_not_entered_clean: the volume driver of
-- critical_region_leave_not_entered with one KeLeaveCriticalRegion per
-- KeEnterCriticalRegion on every path. The KMUTEX nests inside the region:
-- its own acquisition disables APCs once more, its release re-enables them,
-- and the thread ends with its APC-disable count back at zero.
scenario {
  verifier = "/standard /driver volgeo.sys",
  expect = "clean",
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
      else
        Geometry = { Sectors = Sectors, BytesPerSector = 512 }
      end
      KeReleaseMutex(CacheLock, false)
      KeLeaveCriticalRegion()
      return Status
    end

    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      RefreshGeometry(4096)
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Refresher = object
    RefreshGeometry(2048)
    RefreshGeometry(0)
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Refresher, Executive, KernelMode, false, nil)
      ObDereferenceObject(Refresher)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "volgeo.sys"
  UnloadDriver "volgeo.sys"
end)
