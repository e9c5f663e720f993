-- wmi_delete_device_registered: wmidev.sys is a PnP function driver and a
-- WMI data provider: it registers its device object with WMI at START
-- (IoWMIRegistrationControl, WMIREG_ACTION_REGISTER) and answers WMI's
-- IRP_MJ_SYSTEM_CONTROL requests addressed to it (Parameters.WMI.ProviderId,
-- as WmiSystemControl dispatches them), passing the others down. At
-- IRP_MN_REMOVE_DEVICE it deletes the device without deregistering:
-- miscellaneous checks (in /standard) stop at IoDeleteDevice, 0xC4/0xDB,
-- P2 the device object.
scenario {
  verifier = "/standard /driver wmidev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\WMIDEV", driver = "wmidev.sys" } },
  expect = { bugcheck = 0xC4, p1 = 0xDB, driver = "wmidev.sys" },
}

Deregister = false

driver "wmidev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local function Complete(Irp, Status, Information)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Wmi = Stack.Parameters.WMI
      if Wmi.ProviderId ~= ULONG_PTR(DeviceObject) then
        IoSkipCurrentIrpStackLocation(Irp) -- not ours (IrpForward)
        return IoCallDriver(DeviceObject.DeviceExtension:ptr(0), Irp)
      end
      if Stack.MinorFunction == IRP_MN_QUERY_ALL_DATA then
        if Wmi.BufferSize < 4 then
          return Complete(Irp, STATUS_BUFFER_TOO_SMALL, 4)
        end
        Wmi.Buffer:set_u32(0, 42)
        return Complete(Irp, STATUS_SUCCESS, 4)
      elseif Stack.MinorFunction == IRP_MN_REGINFO_EX then
        return Complete(Irp, STATUS_SUCCESS, 0)
      end
      return Complete(Irp, STATUS_WMI_GUID_NOT_FOUND, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Lower = DeviceObject.DeviceExtension:ptr(0)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_START_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
        assert(IoWMIRegistrationControl(DeviceObject, WMIREG_ACTION_REGISTER) == STATUS_SUCCESS)
      elseif Minor == IRP_MN_QUERY_REMOVE_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
      elseif Minor == IRP_MN_REMOVE_DEVICE then
        if Deregister then
          IoWMIRegistrationControl(DeviceObject, WMIREG_ACTION_DEREGISTER)
        end
        Irp.IoStatus.Status = STATUS_SUCCESS
        IoSkipCurrentIrpStackLocation(Irp)
        local status = IoCallDriver(Lower, Irp)
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
        return status
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
  assert(WmiRequest("dev", IRP_MN_REGINFO_EX, 64) == STATUS_SUCCESS)
  local status, n = WmiRequest("dev", IRP_MN_QUERY_ALL_DATA, 2)
  assert(status == STATUS_BUFFER_TOO_SMALL and n == 4)
  local status2, n2, data = WmiRequest("dev", IRP_MN_QUERY_ALL_DATA, 16)
  assert(status2 == STATUS_SUCCESS and n2 == 4 and string.unpack("<I4", data) == 42)
  RemoveDevice "dev"
end)
