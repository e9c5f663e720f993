-- CompleteRequestStatusCheck, clean twin: capflt.sys forwards
-- IOCTL_STORE_GET_CAPS, waits for it, and completes it with the status the
-- device below gave it, failure included.
scenario {
  verifier = "/standard /sdv /driver capflt.sys",
  expect = "clean",
}

local IOCTL_STORE_GET_CAPS = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x870, METHOD_BUFFERED, FILE_ANY_ACCESS)

driver "store.sys" "drivers/store.lua"

driver "capflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    CapLower, CapFilter = IoAttachDeviceToDeviceStack(filter, StoreDevice), filter
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(CapLower, Irp)
      end
    end
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      if Stack.Parameters.DeviceIoControl.IoControlCode ~= IOCTL_STORE_GET_CAPS then
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(CapLower, Irp)
      end
      -- Forward and wait: the IRP comes back to this routine.
      local Event = KEVENT()
      KeInitializeEvent(Event, NotificationEvent, false)
      IoCopyCurrentIrpStackLocationToNext(Irp)
      IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
        KeSetEvent(Event, IO_NO_INCREMENT, false)
        return STATUS_MORE_PROCESSING_REQUIRED
      end, nil, true, true, true)
      if IoCallDriver(CapLower, Irp) == STATUS_PENDING then
        KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
      end
      local Status = Irp.IoStatus.Status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(CapLower)
      IoDeleteDevice(CapFilter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "store.sys"
  LoadDriver "capflt.sys"
  local Handle = assert(CreateFile "\\Device\\Store")
  assert(DeviceIoControl(Handle, IOCTL_STORE_GET_CAPS, nil, 4) == STATUS_INVALID_DEVICE_REQUEST)
  CloseHandle(Handle)
  UnloadDriver "capflt.sys"
end)
