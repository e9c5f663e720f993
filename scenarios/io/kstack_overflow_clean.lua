-- kstack_overflow, clean twin: sixteen pass-through filters over a disk
-- (one driver, sixteen filter devices, each attached to the top of the
-- stack), each sending the read to the device below it. The read goes
-- through seventeen nested IoCallDriver calls, 13 KB of the 24 KB kernel
-- stack as drvsim charges it: legal on Windows, clean here.
scenario {
  expect = "clean",
}

local FILTERS = 16

driver "disk.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status
    status, DiskDevice = IoCreateDevice(DriverObject, 0, "\\Device\\Disk0", FILE_DEVICE_DISK, 0,
                                        false)
    DiskDevice.Flags = DiskDevice.Flags | DO_BUFFERED_IO
    DiskDevice.Flags = DiskDevice.Flags & ~DO_DEVICE_INITIALIZING
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      Reads = (Reads or 0) + 1
      Irp.IoStatus.Status = STATUS_SUCCESS
      Irp.IoStatus.Information = 0
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(DiskDevice)
    end
    return STATUS_SUCCESS
  end,
}

driver "passflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Filters = {}
    for i = 1, FILTERS do
      local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_DISK, 0, false)
      local lower = IoAttachDeviceToDeviceStack(filter, DiskDevice)
      filter.Flags = filter.Flags | DO_BUFFERED_IO
      filter.Flags = filter.Flags & ~DO_DEVICE_INITIALIZING
      Filters[i] = { Device = filter, Lower = lower }
    end
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      for _, f in ipairs(Filters) do
        if f.Device == DeviceObject then
          Passed = (Passed or 0) + 1
          IoSkipCurrentIrpStackLocation(Irp)
          return IoCallDriver(f.Lower, Irp)
        end
      end
      return STATUS_INVALID_DEVICE_REQUEST
    end
    DriverObject.DriverUnload = function(DriverObject)
      for i = FILTERS, 1, -1 do
        IoDetachDevice(Filters[i].Lower)
        IoDeleteDevice(Filters[i].Device)
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "disk.sys"
  LoadDriver "passflt.sys"
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 512, "Read")
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Top = IoGetAttachedDeviceReference(DiskDevice)
  local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Top, Buffer, 512, nil, Event, Iosb)
  assert(IoCallDriver(Top, Irp) == STATUS_SUCCESS, "the read failed")
  assert(Passed == FILTERS and Reads == 1, "the read did not pass every filter")
  ObDereferenceObject(Top)
  ExFreePoolWithTag(Buffer, "Read")
  UnloadDriver "passflt.sys"
  UnloadDriver "disk.sys"
end)
