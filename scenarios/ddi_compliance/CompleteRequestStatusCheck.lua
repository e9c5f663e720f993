-- CompleteRequestStatusCheck: capflt.sys, a filter over store.sys, answers
-- IOCTL_STORE_GET_CAPS by asking the device below first: it forwards the
-- request and waits for it (a completion routine that signals an event
-- and returns STATUS_MORE_PROCESSING_REQUIRED), then completes it. BUG:
-- when the device fails the request, the filter fills in default
-- capabilities and completes the IRP with STATUS_SUCCESS, hiding the
-- lower driver's failure. Windows checks this only statically (SDV's
-- CompleteRequestStatusCheck rule); drvsim checks it at run time, at the
-- IoCompleteRequest: 0xC4, P1 its private code (0xD0020008).
scenario {
  verifier = "/sdv /driver capflt.sys",
  expect = { bugcheck = 0xC4, p1 = 0xD0020008, driver = "capflt.sys" },
}

local IOCTL_STORE_GET_CAPS = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x870, METHOD_BUFFERED, FILE_ANY_ACCESS)
local DEFAULT_CAPS = 0x3

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
      if not NT_SUCCESS(Irp.IoStatus.Status) then
        -- BUG: the device failed the request; the filter reports success
        Irp.AssociatedIrp.SystemBuffer:set_u32(0, DEFAULT_CAPS)
        Irp.IoStatus.Status = STATUS_SUCCESS
        Irp.IoStatus.Information = 4
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
  DeviceIoControl(Handle, IOCTL_STORE_GET_CAPS, nil, 4)
  CloseHandle(Handle)
  UnloadDriver "capflt.sys"
end)
