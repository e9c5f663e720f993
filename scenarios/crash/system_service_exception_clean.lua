-- system_service_exception (clean twin): cfgdev.sys answers IOCTL_CFG_GET
-- with STATUS_DEVICE_NOT_READY until an application has set the settings,
-- instead of reading through the NULL pointer on the application's thread.
-- Source: windows-driver-docs-pr/debugger/bug-check-0x3b--system-service-exception.md
scenario {
  expect = "clean",
}

IOCTL_CFG_SET = 0x222000   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)
IOCTL_CFG_GET = 0x222004   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, 0)

driver "cfgdev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\Cfg", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    CfgDevice, Settings = device, nil
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    IoCreateSymbolicLink("\\DosDevices\\Cfg", "\\Device\\Cfg")

    local function Complete(Irp, status, Information)
      Irp.IoStatus.Status = status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = DriverObject.MajorFunction[IRP_MJ_CREATE]

    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Code = Stack.Parameters.DeviceIoControl.IoControlCode
      if Code == IOCTL_CFG_SET and Stack.Parameters.DeviceIoControl.InputBufferLength >= 4 then
        Settings = ExAllocatePoolWithTag(NonPagedPoolNx, 4, "CfgS")
        if Settings == nil then
          return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0)
        end
        Settings:set_u32(0, Irp.AssociatedIrp.SystemBuffer:u32(0))
        return Complete(Irp, STATUS_SUCCESS, 0)
      elseif Code == IOCTL_CFG_GET and Stack.Parameters.DeviceIoControl.OutputBufferLength >= 4 then
        if Settings == nil then   -- right: nothing to return before the first IOCTL_CFG_SET
          return Complete(Irp, STATUS_DEVICE_NOT_READY, 0)
        end
        Irp.AssociatedIrp.SystemBuffer:set_u32(0, Settings:u32(0))
        return Complete(Irp, STATUS_SUCCESS, 4)
      end
      return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0)
    end

    DriverObject.DriverUnload = function(DriverObject)
      if Settings ~= nil then
        ExFreePoolWithTag(Settings, "CfgS")
      end
      IoDeleteSymbolicLink("\\DosDevices\\Cfg")
      IoDeleteDevice(CfgDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "cfgdev.sys"
  RunInProcess(CreateProcess "cfgtool.exe", function()
    local Handle = CreateFile "\\\\.\\Cfg"
    assert(DeviceIoControl(Handle, IOCTL_CFG_GET, nil, 4) == STATUS_DEVICE_NOT_READY, "not set")
    assert(DeviceIoControl(Handle, IOCTL_CFG_SET, string.pack("<I4", 7), 0) == STATUS_SUCCESS)
    local status, data = DeviceIoControl(Handle, IOCTL_CFG_GET, nil, 4)
    assert(status == STATUS_SUCCESS and string.unpack("<I4", data) == 7, "the settings")
    CloseHandle(Handle)
  end)
  UnloadDriver "cfgdev.sys"
end)
