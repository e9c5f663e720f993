-- io2_copied_completion_routine: cpyfilt.sys sits between echo.sys and
-- echofilt.sys (which sets a completion routine on reads). It passes reads
-- down by copying its whole stack location into the next one with
-- RtlCopyMemory, and so copies echofilt.sys's completion routine too: it
-- would run twice. Level 2 I/O verification stops IoCallDriver (0xC9, P1 =
-- 0x207, a WDM DRIVER ERROR; P3 the IRP, P4 the routine).
-- P2, the address in the driver's code where the error was detected, is
-- that of the routine that made the call (IRP_MJ_READ), as drvsim numbers them.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver cpyfilt.sys",
  cpus = 2,
  expect = { bugcheck = 0xC9, p1 = 0x207, p2 = 0xFFFFF80240201240, driver = "cpyfilt.sys" },
}

driver "echo.sys" "drivers/echo.lua"
driver "echofilt.sys" "drivers/echofilt.lua"

driver "cpyfilt.sys" {
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
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      -- Pass the read down with the same parameters.
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Next = IoGetNextIrpStackLocation(Irp)
      RtlCopyMemory(Next, Stack, Stack - Next)   -- BUG: copies CompletionRoutine and Context
      return IoCallDriver(Lower, Irp)
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(Lower)
      IoDeleteDevice(Filter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "cpyfilt.sys"
  LoadDriver "echofilt.sys"
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
  UnloadDriver "echofilt.sys"
  UnloadDriver "cpyfilt.sys"
end)
