-- sec_kernel_user_address (clean twin): the KEVENT lives in the device
-- extension (nonpaged); the application's block only receives a copy of
-- the state, written inside __try after a probe.
scenario {
  verifier = "/standard /driver notify.sys",
  expect   = "clean",
}

local IOCTL_NOTIFY_ARM = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x920, METHOD_BUFFERED, FILE_ANY_ACCESS)

driver "notify.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDevice(DriverObject, 24, "\\Device\\Notify",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then
      return status
    end
    Done = KEVENT(Device.DeviceExtension)                                -- right
    KeInitializeEvent(Done, NotificationEvent, false)
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local status = STATUS_INVALID_DEVICE_REQUEST
      if Stack.Parameters.DeviceIoControl.IoControlCode == IOCTL_NOTIFY_ARM and
         Stack.Parameters.DeviceIoControl.InputBufferLength >= 8 then
        KeSetEvent(Done, IO_NO_INCREMENT, false)
        local Block = Irp.AssociatedIrp.SystemBuffer:ptr(0)
        status = __try(function()
          ProbeForWrite(Block, 4, 4)
          Block:set_u32(0, KeReadStateEvent(Done))
          return STATUS_SUCCESS
        end, function(Code) return Code end)
      end
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "notify.sys"
  RunInProcess(CreateProcess "worker.exe", function()
    local Device = CreateFile "\\Device\\Notify"
    local Block = VirtualAlloc(4096)
    local status = DeviceIoControl(Device, IOCTL_NOTIFY_ARM, string.pack("<I8", ULONG_PTR(Block)), 0)
    assert(status == STATUS_SUCCESS)
    assert(string.unpack("<I4", Block:read(0, 4)) == 1, "the state copied out")
    CloseHandle(Device)
  end)
  UnloadDriver "notify.sys"
end)
