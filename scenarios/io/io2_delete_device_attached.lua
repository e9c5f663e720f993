-- io2_delete_device_attached: rmfilt.sys, a pass-through filter over
-- echo.sys, deletes its device object on unload without detaching it from
-- the device below first: echo.sys's device still points at it as its
-- AttachedDevice. Level 2 I/O verification stops IoDeleteDevice (0xC9,
-- P1 = 0x201, a WDM DRIVER ERROR; P3 the device object, P4 the device
-- below).
-- P2, the address in the driver's code where the error was detected, is
-- that of the routine that made the call (DriverUnload), as drvsim numbers them.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver rmfilt.sys",
  cpus = 2,
  expect = { bugcheck = 0xC9, p1 = 0x201, p2 = 0xFFFFF80240101240, driver = "rmfilt.sys" },
}

driver "echo.sys" "drivers/echo.lua"

driver "rmfilt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Lower = IoAttachDeviceToDeviceStack(filter, EchoDevice)
    if Lower == nil then
      IoDeleteDevice(filter)
      return STATUS_DEVICE_NOT_READY
    end
    Filter = filter
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(Lower, Irp)
      end
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Filter)   -- BUG: IoDetachDevice(Lower) first
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "rmfilt.sys"
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
  UnloadDriver "rmfilt.sys"
end)
