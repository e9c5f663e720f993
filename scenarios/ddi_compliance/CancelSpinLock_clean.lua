-- CancelSpinLock, clean twin: notify.sys releases the cancel spin lock
-- on every path through IOCTL_NOTIFY_WAIT, the busy one too, before it
-- completes or parks the request; its cancel routine releases the lock it
-- is called with. A parked request is cancelled as well as fired.
scenario {
  verifier = "/standard /sdv /driver notify.sys",
  expect = "clean",
}

local IOCTL_NOTIFY_WAIT = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x840, METHOD_BUFFERED, FILE_ANY_ACCESS)
local IOCTL_NOTIFY_FIRE = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x841, METHOD_BUFFERED, FILE_ANY_ACCESS)

driver "notify.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\Notify", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    NotifyDevice, Parked = device, nil
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING

    local function Complete(Irp, Status, Information)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    -- The parked request's cancel routine: called with the cancel lock held.
    local function WaitCancel(DeviceObject, Irp)
      if Parked == Irp then
        Parked = nil
      end
      IoReleaseCancelSpinLock(Irp.CancelIrql)
      Complete(Irp, STATUS_CANCELLED, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = DriverObject.MajorFunction[IRP_MJ_CREATE]

    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Code = IoGetCurrentIrpStackLocation(Irp).Parameters.DeviceIoControl.IoControlCode
      if Code == IOCTL_NOTIFY_WAIT then
        local OldIrql = IoAcquireCancelSpinLock()
        if Parked ~= nil then
          IoReleaseCancelSpinLock(OldIrql)
          return Complete(Irp, STATUS_DEVICE_NOT_READY, 0)
        end
        IoMarkIrpPending(Irp)
        IoSetCancelRoutine(Irp, WaitCancel)
        Parked = Irp
        IoReleaseCancelSpinLock(OldIrql)
        return STATUS_PENDING
      elseif Code == IOCTL_NOTIFY_FIRE then
        local OldIrql = IoAcquireCancelSpinLock()
        local Waiter = Parked
        if Waiter ~= nil and IoSetCancelRoutine(Waiter, nil) ~= nil then
          Parked = nil
        else
          Waiter = nil
        end
        IoReleaseCancelSpinLock(OldIrql)
        if Waiter ~= nil then
          Complete(Waiter, STATUS_SUCCESS, 0)
        end
        return Complete(Irp, STATUS_SUCCESS, 0)
      end
      return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0)
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(NotifyDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "notify.sys"
  local App = CreateProcess "notifier.exe"
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\Device\\Notify")
    local Status, Request, Event = DeviceIoControl(Handle, IOCTL_NOTIFY_WAIT, nil, 0, true)
    assert(Status == STATUS_PENDING)
    DeviceIoControl(Handle, IOCTL_NOTIFY_WAIT, nil, 0)          -- a second waiter: busy
    assert(DeviceIoControl(Handle, IOCTL_NOTIFY_FIRE, nil, 0) == STATUS_SUCCESS)
    KeWaitForSingleObject(Event, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(Request) == STATUS_SUCCESS)
    Status, Request, Event = DeviceIoControl(Handle, IOCTL_NOTIFY_WAIT, nil, 0, true)
    assert(Status == STATUS_PENDING)
    assert(CancelIoEx(Request), "the parked request's cancel routine ran")
    KeWaitForSingleObject(Event, Executive, UserMode, false, nil)
    assert(GetOverlappedResult(Request) == STATUS_CANCELLED)
    CloseHandle(Handle)
  end)
  UnloadDriver "notify.sys"
end)
