-- pnpfilt.sys: a filter driver that does everything right, attached over
-- the top of pnpbus.sys's stack when it loads (its AddDevice's work). It
-- passes every PnP, power and WMI IRP down (IoSkipCurrentIrpStackLocation),
-- first setting STATUS_SUCCESS on the state changes and power requests it
-- agrees to, detaches and deletes its device on IRP_MN_REMOVE_DEVICE. Its
-- device is the global FilterDevice.
local Agrees = {
  [IRP_MN_QUERY_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
  [IRP_MN_QUERY_STOP_DEVICE] = true, [IRP_MN_CANCEL_STOP_DEVICE] = true,
  [IRP_MN_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
}
return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_BUS_EXTENDER, 0,
                                          false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    local lower = IoAttachDeviceToDeviceStack(filter, BusPdo)
    if lower == nil then
      IoDeleteDevice(filter)
      return STATUS_NO_SUCH_DEVICE
    end
    FilterDevice, FilterLower = filter, lower
    filter.Flags = (filter.Flags | (lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE)))
                   & ~DO_DEVICE_INITIALIZING

    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Agrees[Minor] or Minor == IRP_MN_REMOVE_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      IoSkipCurrentIrpStackLocation(Irp)
      local status = IoCallDriver(FilterLower, Irp)
      if Minor == IRP_MN_REMOVE_DEVICE then
        IoDetachDevice(FilterLower)
        IoDeleteDevice(DeviceObject)
      end
      return status
    end
    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_SET_POWER or Minor == IRP_MN_QUERY_POWER then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      PoStartNextPowerIrp(Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return PoCallDriver(FilterLower, Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = function(DeviceObject, Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(FilterLower, Irp)
    end
    DriverObject.DriverUnload = function(DriverObject)
    end
    return STATUS_SUCCESS
  end,
}
