-- ForwardedAtBadIrql, clean twin: wcache.sys counts the flush under its
-- spin lock, releases the lock, and then forwards the flush at the IRQL its
-- dispatch routine was called at (PASSIVE_LEVEL).
scenario {
  verifier = "/standard /sdv /driver wcache.sys",
  expect = "clean",
}

driver "store.sys" "drivers/store.lua"

driver "wcache.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    WcLower, WcFilter, WcLock, WcFlushes = IoAttachDeviceToDeviceStack(filter, StoreDevice), filter,
                                           KSPIN_LOCK(), 0
    KeInitializeSpinLock(WcLock)
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(WcLower, Irp)
      end
    end
    DriverObject.MajorFunction[IRP_MJ_FLUSH_BUFFERS] = function(DeviceObject, Irp)
      local OldIrql = KeAcquireSpinLock(WcLock)
      WcFlushes = WcFlushes + 1
      KeReleaseSpinLock(WcLock, OldIrql)
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(WcLower, Irp)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(WcLower)
      IoDeleteDevice(WcFilter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "store.sys"
  LoadDriver "wcache.sys"
  local Handle = assert(CreateFile "\\Device\\Store")
  assert(WriteFile(Handle, "dirty") == STATUS_SUCCESS)
  local Top = IoGetAttachedDeviceReference(StoreDevice)
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_FLUSH_BUFFERS, Top, nil, 0, nil, Event, Iosb)
  if IoCallDriver(Top, Irp) == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  end
  assert(Iosb.Status == STATUS_SUCCESS)
  ObDereferenceObject(Top)
  CloseHandle(Handle)
  UnloadDriver "wcache.sys"
end)
