-- completion_ex_clean: exfilt.sys, a filter over echo.sys, sets its
-- completion routine on reads with IoSetCompletionRoutineEx and checks its
-- status, as the call allocates. The context block is allocated for the
-- driver (pool tracking follows it) and freed by the kernel when the
-- routine runs: nothing is left at unload. Clean.
scenario {
  verifier = "/standard /driver exfilt.sys",
  expect = "clean",
}

driver "echo.sys" "drivers/echo.lua"

driver "exfilt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    ExLower, ExFilter, ExReads = IoAttachDeviceToDeviceStack(filter, EchoDevice), filter, 0
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(ExLower, Irp)
      end
    end
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      IoCopyCurrentIrpStackLocationToNext(Irp)
      local status = IoSetCompletionRoutineEx(DeviceObject, Irp, function(DeviceObject, Irp, Context)
        if Irp.PendingReturned ~= 0 then
          IoMarkIrpPending(Irp)
        end
        ExReads = ExReads + 1
        return STATUS_SUCCESS
      end, nil, true, true, true)
      if status ~= STATUS_SUCCESS then
        Irp.IoStatus.Status = status
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return status
      end
      return IoCallDriver(ExLower, Irp)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(ExLower)
      IoDeleteDevice(ExFilter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "exfilt.sys"
  local App = CreateProcess "reader.exe"
  RunInProcess(App, function()
    local Handle = CreateFile "\\\\.\\Echo"
    WriteFile(Handle, "data")
    for i = 1, 3 do
      local status, data = ReadFile(Handle, 16)
      assert(status == STATUS_SUCCESS and data == "data")
    end
    CloseHandle(Handle)
  end)
  assert(ExReads == 3, "the routine ran for every read")
  UnloadDriver "exfilt.sys"
end)
