-- echofilt.sys: a filter attached on top of echo.sys. It counts the bytes
-- read (BytesRead) with a completion routine on IRP_MJ_READ
-- (IoCopyCurrentIrpStackLocationToNext, IoSetCompletionRoutine, propagating
-- PendingReturned) and passes everything else down with
-- IoSkipCurrentIrpStackLocation.
return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    local target = EchoDevice
    EchoFiltLower = IoAttachDeviceToDeviceStack(filter, target)
    if EchoFiltLower == nil then
      IoDeleteDevice(filter)
      return STATUS_DEVICE_NOT_READY
    end
    EchoFilter, BytesRead = filter, 0
    filter.Flags = filter.Flags | DO_BUFFERED_IO
    filter.Flags = filter.Flags & ~DO_DEVICE_INITIALIZING

    local function PassThrough(DeviceObject, Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(EchoFiltLower, Irp)
    end
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = PassThrough
    end

    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      IoCopyCurrentIrpStackLocationToNext(Irp)
      IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
        if Irp.PendingReturned ~= 0 then
          IoMarkIrpPending(Irp)
        end
        if Irp.IoStatus.Status == STATUS_SUCCESS then
          BytesRead = BytesRead + Irp.IoStatus.Information
        end
        return STATUS_SUCCESS
      end, nil, true, true, true)
      return IoCallDriver(EchoFiltLower, Irp)
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(EchoFiltLower)
      IoDeleteDevice(EchoFilter)
    end
    return STATUS_SUCCESS
  end,
}
