-- IoSetCompletionExCompleteIrp: rdcount.sys, a filter over store.sys,
-- counts the bytes its reads return from a completion routine it sets with
-- IoSetCompletionRoutineEx, which allocates and so can fail. Low resources
-- simulation fails it here (the context block's tag, "IoCo", every time).
-- BUG: the filter ignores the status and passes the read down anyway, with
-- no completion routine set. DDI compliance checking stops the
-- IoCallDriver: 0xC4/0x4100F, IoSetCompletionExCompleteIrp.
scenario {
  verifier = "/flags 0x20004 /faults 10000 IoCo \"\" 0 /driver rdcount.sys",
  expect = { bugcheck = 0xC4, p1 = 0x4100F, driver = "rdcount.sys" },
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
      IoSetCompletionRoutineEx(DeviceObject, Irp, function(DeviceObject, Irp, Context)
        if Irp.PendingReturned ~= 0 then
          IoMarkIrpPending(Irp)
        end
        RcBytes = RcBytes + Irp.IoStatus.Information
        return STATUS_SUCCESS
      end, nil, true, true, true)           -- BUG: its status is not checked
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
  ReadFile(Handle, 16)
  CloseHandle(Handle)
  UnloadDriver "rdcount.sys"
end)
