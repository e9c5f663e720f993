-- io2_completion_not_marked_pending_clean: pndfilt.sys, a filter over
-- echo.sys, times the IOCTLs it passes down with a completion routine.
-- echo.sys pends IOCTL_ECHO_WAIT until the next write; when it completes,
-- the filter's completion routine sees PendingReturned and marks the IRP
-- pending at its own location (IoMarkIrpPending), so the pending state
-- reaches the top. Clean.
scenario {
  verifier = "/standard /driver pndfilt.sys",
  cpus = 2,
  expect = "clean",
}

driver "echo.sys" "drivers/echo.lua"

driver "pndfilt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    PndLower, PndFilter, Timed = IoAttachDeviceToDeviceStack(filter, EchoDevice), filter, 0
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(PndLower, Irp)
      end
    end
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      IoCopyCurrentIrpStackLocationToNext(Irp)
      IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
        if Irp.PendingReturned ~= 0 then
          IoMarkIrpPending(Irp)
        end
        Timed = Timed + 1
        return STATUS_SUCCESS
      end, nil, true, true, true)
      return IoCallDriver(PndLower, Irp)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(PndLower)
      IoDeleteDevice(PndFilter)
    end
    return STATUS_SUCCESS
  end,
}

-- Sends a request to the top of the stack; returns the IRP and its event.
local function Start(Build)
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Top = IoGetAttachedDeviceReference(EchoDevice)
  local status = IoCallDriver(Top, Build(Top, Event, Iosb))
  ObDereferenceObject(Top)
  if status == STATUS_PENDING then
    return Event
  end
  return nil
end

run(function()
  LoadDriver "echo.sys"
  LoadDriver "pndfilt.sys"
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Clnt")
  local Waiting = Start(function(Top, Event, Iosb)
    return IoBuildDeviceIoControlRequest(IOCTL_ECHO_WAIT, Top, nil, 0, nil, 0, false, Event, Iosb)
  end)
  assert(Waiting ~= nil, "the wait pends")
  local Written = Start(function(Top, Event, Iosb)
    return IoBuildSynchronousFsdRequest(IRP_MJ_WRITE, Top, Buffer, 4, nil, Event, Iosb)
  end)
  KeWaitForSingleObject(Waiting, Executive, KernelMode, false, nil)
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "pndfilt.sys"
end)
