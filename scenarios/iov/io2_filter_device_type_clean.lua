-- io2_filter_device_type_clean: io2_filter_device_type.lua with the filter's device given the
-- DeviceType of the disk's device once attached (the function driver's own type is its own).
-- Clean under /standard, with both drivers verified.
scenario {
  verifier = "/standard /driver snoop.sys ramdisk.sys",
  devices = {
    { name = "disk", hardware_id = "ROOT\\RAMDISK", driver = "ramdisk.sys",
      upper_filters = { "snoop.sys" } },
  },
  expect = "clean",
}

CopyType = true

-- A PnP driver that passes every IRP down, leaving its stack on IRP_MN_REMOVE_DEVICE.
local function PnpDriver(DeviceType, Filter)
  return {
    DriverEntry = function(DriverObject, RegistryPath)
      local function PassDown(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(DeviceObject.DeviceExtension:ptr(0), Irp)
      end
      for mj = 0, IRP_MJ_MAXIMUM_FUNCTION do
        DriverObject.MajorFunction[mj] = PassDown
      end
      DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
        local Lower = DeviceObject.DeviceExtension:ptr(0)
        local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
        if Minor == IRP_MN_QUERY_REMOVE_DEVICE or Minor == IRP_MN_REMOVE_DEVICE then
          Irp.IoStatus.Status = STATUS_SUCCESS
        end
        IoSkipCurrentIrpStackLocation(Irp)
        local status = IoCallDriver(Lower, Irp)
        if Minor == IRP_MN_REMOVE_DEVICE then
          IoDetachDevice(Lower)
          IoDeleteDevice(DeviceObject)
        end
        return status
      end
      DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
        local status, Fdo = IoCreateDevice(DriverObject, 8, nil, DeviceType, 0, false)
        if status ~= STATUS_SUCCESS then return status end
        local Lower = IoAttachDeviceToDeviceStack(Fdo, Pdo)
        Fdo.DeviceExtension:set_ptr(0, Lower)
        if Filter and CopyType then
          Fdo.DeviceType = Lower.DeviceType
        end
        Fdo.Flags = (Fdo.Flags | (Lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE)))
                    & ~DO_DEVICE_INITIALIZING
        return STATUS_SUCCESS
      end
      DriverObject.DriverUnload = function(DriverObject) end
      return STATUS_SUCCESS
    end,
  }
end

driver "ramdisk.sys" (PnpDriver(FILE_DEVICE_DISK, false))
driver "snoop.sys" (PnpDriver(FILE_DEVICE_UNKNOWN, true))   -- BUG unless CopyType

run(function()
  assert(PlugDevice "disk" == STATUS_SUCCESS)
  assert(RemoveDevice "disk" == STATUS_SUCCESS)
end)
