-- io_call_bad_device_clean: extfilt.sys, a filter over echo.sys, keeps the
-- device below in its device extension and forwards every request to it
-- (the LowerDevice field, not the extension). Clean.
scenario {
  verifier = "/standard /driver extfilt.sys",
  expect = "clean",
}

driver "echo.sys" "drivers/echo.lua"

driver "extfilt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 16, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    local Lower = IoAttachDeviceToDeviceStack(filter, EchoDevice)
    if Lower == nil then
      IoDeleteDevice(filter)
      return STATUS_DEVICE_NOT_READY
    end
    -- The device extension keeps the device below, as filters do.
    filter.DeviceExtension:set_ptr(0, Lower)
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    Filter = filter
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        local Extension = DeviceObject.DeviceExtension
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(Extension:ptr(0), Irp)
      end
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(Filter.DeviceExtension:ptr(0))
      IoDeleteDevice(Filter)
    end
    return STATUS_SUCCESS
  end,
}

-- The client: a read through the top of the stack, from the run body.
run(function()
  LoadDriver "echo.sys"
  LoadDriver "extfilt.sys"
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Clnt")
  local Top = IoGetAttachedDeviceReference(EchoDevice)
  local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Top, Buffer, 16, nil, Event, Iosb)
  if IoCallDriver(Top, Irp) == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  end
  ObDereferenceObject(Top)
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "extfilt.sys"
  UnloadDriver "echo.sys"
end)
