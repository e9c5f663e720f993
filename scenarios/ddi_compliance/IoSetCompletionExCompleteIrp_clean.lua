-- IoSetCompletionExCompleteIrp, clean twin: rdcount.sys checks what
-- IoSetCompletionRoutineEx returns and, when low resources simulation fails
-- it, completes the read with that status instead of passing it down: the
-- application sees STATUS_INSUFFICIENT_RESOURCES.
scenario {
  verifier = "/standard /faults 10000 IoCo \"\" 0 /driver rdcount.sys",
  expect = "clean",
}

driver "store.sys" "drivers/store.lua"

driver "rdcount.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    RcLower, RcFilter, RcBytes = IoAttachDeviceToDeviceStack(filter, StoreDevice), filter, 0
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(RcLower, Irp)
      end
    end
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      IoCopyCurrentIrpStackLocationToNext(Irp)
      local Status = IoSetCompletionRoutineEx(DeviceObject, Irp, function(DeviceObject, Irp, Context)
        if Irp.PendingReturned ~= 0 then
          IoMarkIrpPending(Irp)
        end
        RcBytes = RcBytes + Irp.IoStatus.Information
        return STATUS_SUCCESS
      end, nil, true, true, true)
      if Status ~= STATUS_SUCCESS then
        Irp.IoStatus.Status = Status
        Irp.IoStatus.Information = 0
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return Status
      end
      return IoCallDriver(RcLower, Irp)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(RcLower)
      IoDeleteDevice(RcFilter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "store.sys"
  LoadDriver "rdcount.sys"
  local Handle = assert(CreateFile "\\Device\\Store")
  assert(WriteFile(Handle, "data") == STATUS_SUCCESS)
  assert(ReadFile(Handle, 16) == STATUS_INSUFFICIENT_RESOURCES)
  CloseHandle(Handle)
  UnloadDriver "rdcount.sys"
end)
