-- io2_not_a_pdo: propfdo.sys reads a device property in AddDevice but passes IoGetDeviceProperty
-- its own new device object (the FDO) where the routine wants the PDO the PnP manager gave it.
-- I/O verification stops it before the PnP manager's own check (0xCA, P1 2): 0xC9, P1 = 0x24D, a
-- WDM DRIVER ERROR; P2 the calling routine, P4 the device object passed.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver propfdo.sys",
  devices = {
    { name = "dev", hardware_id = "ROOT\\PROPFDO", driver = "propfdo.sys" },
  },
  expect = { bugcheck = 0xC9, p1 = 0x24D, driver = "propfdo.sys" },
}

UsePdo = false

driver "propfdo.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Lower = DeviceObject.DeviceExtension:ptr(0)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_REMOVE_DEVICE or Minor == IRP_MN_QUERY_REMOVE_DEVICE then
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
    local function PassDown(DeviceObject, Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(DeviceObject.DeviceExtension:ptr(0), Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_POWER] = PassDown
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = PassDown
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, 8, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      local Buffer = ExAllocatePoolWithTag(PagedPool, 128, "Prop")
      -- BUG unless UsePdo: the FDO is no device node's PDO.
      local s = IoGetDeviceProperty(UsePdo and Pdo or Fdo, DevicePropertyEnumeratorName, 128, Buffer)
      assert(s == STATUS_SUCCESS)
      ExFreePoolWithTag(Buffer, "Prop")
      Fdo.DeviceExtension:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
      Fdo.Flags = (Fdo.Flags | DO_POWER_PAGABLE) & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
