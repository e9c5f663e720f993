-- PendedCompletedRequest, clean twin: jobq.sys returns the status of a job
-- it fails on the spot, and STATUS_PENDING only for a job it marked
-- pending and handed to its work item (which may complete it before the
-- dispatch routine returns: that is allowed).
scenario {
  verifier = "/standard /sdv /driver jobq.sys",
  expect = "clean",
}

local IOCTL_JOB_SUBMIT = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x860, METHOD_BUFFERED, FILE_ANY_ACCESS)

driver "jobq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\JobQ", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    JobDevice, JobsDone = device, 0
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING

    local function Complete(Irp, Status, Information)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = DriverObject.MajorFunction[IRP_MJ_CREATE]

    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      if Stack.Parameters.DeviceIoControl.IoControlCode ~= IOCTL_JOB_SUBMIT then
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0)
      end
      if Stack.Parameters.DeviceIoControl.InputBufferLength == 0 then
        return Complete(Irp, STATUS_INVALID_PARAMETER, 0)
      else
        local WorkItem = IoAllocateWorkItem(DeviceObject)
        if WorkItem == nil then
          return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0)
        end
        IoMarkIrpPending(Irp)
        IoQueueWorkItem(WorkItem, function(DeviceObject, Context)
          JobsDone = JobsDone + 1
          IoFreeWorkItem(WorkItem)
          Complete(Irp, STATUS_SUCCESS, 0)
        end, DelayedWorkQueue, nil)
      end
      return STATUS_PENDING
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(JobDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "jobq.sys"
  local Handle = assert(CreateFile "\\Device\\JobQ")
  assert(DeviceIoControl(Handle, IOCTL_JOB_SUBMIT, "print", 0) == STATUS_SUCCESS)
  assert(DeviceIoControl(Handle, IOCTL_JOB_SUBMIT, nil, 0) == STATUS_INVALID_PARAMETER)
  CloseHandle(Handle)
  UnloadDriver "jobq.sys"
end)
