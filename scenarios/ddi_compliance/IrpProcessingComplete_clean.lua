-- IrpProcessingComplete, clean twin: ctrstat.sys completes every request
-- it returns STATUS_SUCCESS for, IOCTL_CTR_RESET included.
scenario {
  verifier = "/standard /sdv /driver ctrstat.sys",
  expect = "clean",
}

local IOCTL_CTR_GET = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x850, METHOD_BUFFERED, FILE_ANY_ACCESS)
local IOCTL_CTR_RESET = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x851, METHOD_BUFFERED, FILE_ANY_ACCESS)

driver "ctrstat.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\CtrStat", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    CtrDevice, Requests = device, 0
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING

    local function Complete(Irp, Status, Information)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = DriverObject.MajorFunction[IRP_MJ_CREATE]

    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Code = Stack.Parameters.DeviceIoControl.IoControlCode
      Requests = Requests + 1
      if Code == IOCTL_CTR_GET then
        if Stack.Parameters.DeviceIoControl.OutputBufferLength < 4 then
          return Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0)
        end
        Irp.AssociatedIrp.SystemBuffer:set_u32(0, Requests)
        return Complete(Irp, STATUS_SUCCESS, 4)
      elseif Code == IOCTL_CTR_RESET then
        Requests = 0
        return Complete(Irp, STATUS_SUCCESS, 0)
      end
      return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0)
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(CtrDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ctrstat.sys"
  local Handle = assert(CreateFile "\\Device\\CtrStat")
  local Status, Output = DeviceIoControl(Handle, IOCTL_CTR_GET, nil, 4)
  assert(Status == STATUS_SUCCESS)
  assert(DeviceIoControl(Handle, IOCTL_CTR_RESET, nil, 0) == STATUS_SUCCESS)
  CloseHandle(Handle)
  UnloadDriver "ctrstat.sys"
end)
