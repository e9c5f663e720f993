-- power_not_passed_down: a function driver
-- completes the S-IRP IRP_MN_SET_POWER itself with success and never passes
-- it down to its PDO (nor calls PoStartNextPowerIrp). A power IRP must go
-- down to the bottom of the stack; I/O verification reports it as 0xC9/0x231
-- (a power IRP completed with success by a driver that is not the PDO).
scenario {
  verifier = "/standard /iolevel 2 /driver pwrdrop.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\PWRDROP", driver = "pwrdrop.sys" } },
  expect = { bugcheck = 0xC9, p1 = 0x231, driver = "pwrdrop.sys" },
}

driver "pwrdrop.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS -- BUG: not passed down
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Lower = DeviceObject.DeviceExtension:ptr(0)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_START_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, 8, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      Fdo.DeviceExtension:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
      Fdo.Flags = Fdo.Flags | DO_POWER_PAGABLE
      Fdo.Flags = Fdo.Flags & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  SetSystemPowerState(PowerSystemSleeping3)
end)
