-- system_service_exception: an application asks cfgdev.sys for its
-- settings (IOCTL_CFG_GET) before any were set. The dispatch routine reads
-- through the settings pointer, still NULL, at PASSIVE_LEVEL on the
-- application's thread, inside its DeviceIoControl system service: the
-- service dispatcher catches the access violation and stops the machine
-- with SYSTEM_SERVICE_EXCEPTION (0x3B), not 0x7E, which is for system
-- threads. P1 the exception code, P2 the faulting instruction (the scenario
-- line, inside the image), P3 the context record (not modelled: 0), P4 0.
-- Source: windows-driver-docs-pr/debugger/bug-check-0x3b--system-service-exception.md
scenario {
  expect = { bugcheck = 0x3B, p1 = 0xC0000005, p3 = 0, p4 = 0, driver = "cfgdev.sys" },
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
        -- BUG: Settings is NULL until the first IOCTL_CFG_SET.
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
    DeviceIoControl(Handle, IOCTL_CFG_GET, nil, 4)
    CloseHandle(Handle)
  end)
  UnloadDriver "cfgdev.sys"
end)
