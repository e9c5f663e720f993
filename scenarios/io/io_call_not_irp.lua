-- io_call_not_irp: nirpfilt.sys, a filter over echo.sys, logs each read's
-- length and passes it down. Its dispatch routine hands IoCallDriver the
-- stack location it just read instead of the IRP (both are pointers in C,
-- and the names are alike): its Type is not IO_TYPE_IRP, and I/O
-- verification stops the call (0xC9, P1 = 3, P2 the object).
scenario {
  verifier = "/standard /driver nirpfilt.sys",
  expect = { bugcheck = 0xC9, p1 = 0x3, driver = "nirpfilt.sys" },
}

driver "echo.sys" "drivers/echo.lua"

driver "nirpfilt.sys" {
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
    ReadsLogged = 0
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        local IrpSp = IoGetCurrentIrpStackLocation(Irp)
        if IrpSp.MajorFunction == IRP_MJ_READ then
          ReadsLogged = ReadsLogged + IrpSp.Parameters.Read.Length
        end
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(DeviceObject.DeviceExtension:ptr(0), IrpSp)   -- BUG: Irp
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
  LoadDriver "nirpfilt.sys"
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
  UnloadDriver "nirpfilt.sys"
  UnloadDriver "echo.sys"
end)
