-- store.sys: the device below the filters of the DDI compliance scenarios.
-- A 64-byte store with buffered I/O, named \Device\Store (the global
-- StoreDevice): IRP_MJ_WRITE fills it, IRP_MJ_READ returns what it holds,
-- it has no I/O controls (IRP_MJ_DEVICE_CONTROL fails with
-- STATUS_INVALID_DEVICE_REQUEST), and IRP_MJ_FLUSH_BUFFERS and every other
-- request succeed at once. Everything is completed in the dispatch routine,
-- at the IRQL it is called at.
return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 64, "\\Device\\Store",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    StoreDevice, StoreHeld = device, 0
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING

    local function Complete(Irp, Status, Information)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        return Complete(Irp, STATUS_SUCCESS, 0)
      end
    end
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_WRITE] = function(DeviceObject, Irp)
      local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Write.Length
      if Length > 64 then
        return Complete(Irp, STATUS_INVALID_BUFFER_SIZE, 0)
      end
      RtlCopyMemory(DeviceObject.DeviceExtension, Irp.AssociatedIrp.SystemBuffer, Length)
      StoreHeld = Length
      return Complete(Irp, STATUS_SUCCESS, Length)
    end
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      local Length = math.min(IoGetCurrentIrpStackLocation(Irp).Parameters.Read.Length, StoreHeld)
      RtlCopyMemory(Irp.AssociatedIrp.SystemBuffer, DeviceObject.DeviceExtension, Length)
      return Complete(Irp, STATUS_SUCCESS, Length)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(StoreDevice)
    end
    return STATUS_SUCCESS
  end,
}
