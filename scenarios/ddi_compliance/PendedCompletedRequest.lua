-- PendedCompletedRequest: jobq.sys accepts jobs by IOCTL_JOB_SUBMIT and
-- finishes them from a work item; its dispatch routine ends with one
-- "return STATUS_PENDING", C's single exit. BUG: a job with an empty
-- description is failed and completed on the spot, and then falls through
-- to that exit: the dispatch routine returns STATUS_PENDING for an IRP it
-- completed itself, without marking it pending. Windows checks this only
-- statically (SDV's PendedCompletedRequest rule); drvsim checks it at run
-- time, as the dispatch routine returns: 0xC4, P1 its private code
-- (0xD0020007).
scenario {
  verifier = "/sdv /driver jobq.sys",
  expect = { bugcheck = 0xC4, p1 = 0xD0020007, driver = "jobq.sys" },
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
        Complete(Irp, STATUS_INVALID_PARAMETER, 0)
        -- BUG: a C "goto Exit" to the "return STATUS_PENDING" below
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
  DeviceIoControl(Handle, IOCTL_JOB_SUBMIT, nil, 0)           -- no description
  CloseHandle(Handle)
  UnloadDriver "jobq.sys"
end)
