-- io2_detach_not_attached: dtfilt.sys, a pass-through filter over echo.sys,
-- detaches early when the device below goes away, and its unload routine
-- detaches again: the device below has nothing attached any more. Level 2
-- I/O verification stops the second IoDetachDevice (0xC9, P1 = 0x202, a
-- WDM DRIVER ERROR; P3 the device).
-- P2, the address in the driver's code where the error was detected, is
-- that of the routine that made the call (DriverUnload), as drvsim numbers them.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver dtfilt.sys",
  cpus = 2,
  expect = { bugcheck = 0xC9, p1 = 0x202, p2 = 0xFFFFF80240101240, driver = "dtfilt.sys" },
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
      IoDetachDevice(Lower)   -- BUG: detached already on the removal path
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
