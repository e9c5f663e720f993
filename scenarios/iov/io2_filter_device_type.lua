-- io2_filter_device_type: snoop.sys, an upper filter of a disk's device node, creates its device
-- as FILE_DEVICE_UNKNOWN and never copies the DeviceType of the disk's device it attached to: the
-- I/O manager takes a stack's type from its top device, so the disk no longer looks like one.
-- I/O verification checks a filter's device when IRP_MN_START_DEVICE reaches it: 0xC9, P1 =
-- 0x246, a WDM DRIVER ERROR (P2 the dispatch routine, P3 the IRP, P4 the filter's device).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver snoop.sys",
  devices = {
    { name = "disk", hardware_id = "ROOT\\RAMDISK", driver = "ramdisk.sys",
      upper_filters = { "snoop.sys" } },
  },
  expect = { bugcheck = 0xC9, p1 = 0x246, driver = "snoop.sys" },
}

CopyType = false

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
