-- remove_device_failed: a function driver
-- completes IRP_MN_REMOVE_DEVICE with a failure status (STATUS_UNSUCCESSFUL)
-- instead of passing it down with success. A driver must not fail
-- REMOVE_DEVICE; I/O verification (level 2) reports the failure status on
-- IRP_MJ_PNP IRP_MN_REMOVE_DEVICE as 0xC9/0x306.
scenario {
  verifier = "/standard /iolevel 2 /driver rmfail.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\RMFAIL", driver = "rmfail.sys" } },
  expect = { bugcheck = 0xC9, p1 = 0x306, driver = "rmfail.sys" },
}

driver "rmfail.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Lower = DeviceObject.DeviceExtension:ptr(0)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_REMOVE_DEVICE then
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
        Irp.IoStatus.Status = STATUS_UNSUCCESSFUL -- BUG: REMOVE_DEVICE must not fail
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return STATUS_UNSUCCESSFUL
      end
      if Minor == IRP_MN_START_DEVICE or Minor == IRP_MN_QUERY_REMOVE_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, 8, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      Fdo.DeviceExtension:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
      Fdo.Flags = Fdo.Flags | (Pdo.Flags & DO_POWER_PAGABLE) -- inherited from the device below
      Fdo.Flags = Fdo.Flags & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  RemoveDevice "dev"
end)
