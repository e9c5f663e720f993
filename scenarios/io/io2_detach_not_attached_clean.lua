-- io2_detach_not_attached_clean: dtfilt.sys, a pass-through filter over
-- echo.sys, detaches early when the device below goes away, and its unload
-- routine detaches only if that has not happened. Clean.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver dtfilt.sys",
  cpus = 2,
  expect = "clean",
}

driver "echo.sys" "drivers/echo.lua"

driver "dtfilt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Lower = IoAttachDeviceToDeviceStack(filter, EchoDevice)
    if Lower == nil then
      IoDeleteDevice(filter)
      return STATUS_DEVICE_NOT_READY
    end
    Filter = filter
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(Lower, Irp)
      end
    end
    -- The device below is going away (a surprise removal, IOCTL from
    -- the bus): the filter detaches at once.
    SurpriseRemoval = function()
      IoDetachDevice(Lower)
      Detached = true
    end

    DriverObject.DriverUnload = function(DriverObject)
      if not Detached then
        IoDetachDevice(Lower)
      end
      IoDeleteDevice(Filter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "dtfilt.sys"
  Detached = false
  SurpriseRemoval()
  UnloadDriver "dtfilt.sys"
end)
