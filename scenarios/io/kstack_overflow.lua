-- kstack_overflow: an encryption filter sits on a disk's device stack. Its
-- read dispatch routine was meant to pass each read to the device below
-- (the one IoAttachDeviceToDeviceStack returned); it sends it to the top of
-- the stack instead (IoGetAttachedDeviceReference), which is the filter
-- itself. The read comes straight back into the same dispatch routine,
-- again and again, each call nested inside the last, until the frames run
-- past the end of the 24 KB kernel stack into its guard page: the processor
-- double-faults, UNEXPECTED_KERNEL_MODE_TRAP (0x7F, P1 = 8, double fault).
-- drvsim charges each nested IoCallDriver 768 bytes of stack (x64): the
-- 32nd nested call overflows.
scenario {
  expect = { bugcheck = 0x7F, p1 = 8, driver = "cryptflt.sys" },
}

driver "disk.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status
    status, DiskDevice = IoCreateDevice(DriverObject, 0, "\\Device\\Disk0", FILE_DEVICE_DISK, 0,
                                        false)
    DiskDevice.Flags = DiskDevice.Flags | DO_BUFFERED_IO
    DiskDevice.Flags = DiskDevice.Flags & ~DO_DEVICE_INITIALIZING
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
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

driver "cryptflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status
    status, Filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_DISK, 0, false)
    Lower = IoAttachDeviceToDeviceStack(Filter, DiskDevice)
    Filter.Flags = Filter.Flags | DO_BUFFERED_IO
    Filter.Flags = Filter.Flags & ~DO_DEVICE_INITIALIZING
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      -- BUG: the top of the stack is this filter; the read belongs to Lower.
      local Target = IoGetAttachedDeviceReference(Lower)
      local status = IoCallDriver(Target, Irp)
      ObDereferenceObject(Target)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(Lower)
      IoDeleteDevice(Filter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "disk.sys"
  LoadDriver "cryptflt.sys"
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 512, "Read")
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Top = IoGetAttachedDeviceReference(DiskDevice)
  local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Top, Buffer, 512, nil, Event, Iosb)
  IoCallDriver(Top, Irp)
  ObDereferenceObject(Top)
  ExFreePoolWithTag(Buffer, "Read")
  UnloadDriver "cryptflt.sys"
  UnloadDriver "disk.sys"
end)
