-- sec_kernel_user_address: notify.sys tells an application when its work
-- is done. The application passes the address of a block in its own memory
-- in a buffered IOCTL, and the driver builds the KEVENT it will signal
-- right there: the kernel would then keep a dispatcher object (its wait
-- list, its state) where the application can rewrite it. Security checks
-- (in /standard) stop the call: 0xC4/0xE0, P2 the user address, P3 the
-- size of a KEVENT.
scenario {
  verifier = "/standard /driver notify.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xE0, p4 = 0, driver = "notify.sys" },
}

local IOCTL_NOTIFY_ARM = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x920, METHOD_BUFFERED, FILE_ANY_ACCESS)

driver "notify.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, Device = IoCreateDevice(DriverObject, 0, "\\Device\\Notify",
                                          FILE_DEVICE_UNKNOWN, 0, false)
    if not NT_SUCCESS(status) then
      return status
    end
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
        -- BUG: the event goes where the application said, in user space:
        -- keep it in nonpaged pool and give the application a handle.
        Done = KEVENT(Irp.AssociatedIrp.SystemBuffer:ptr(0))
        KeInitializeEvent(Done, NotificationEvent, false)
        KeSetEvent(Done, IO_NO_INCREMENT, false)
        status = STATUS_SUCCESS
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
    CloseHandle(Device)
  end)
  UnloadDriver "notify.sys"
end)
