-- echo.sys: a function driver with a 64-byte buffer, buffered I/O.
-- IRP_MJ_WRITE fills the buffer, IRP_MJ_READ returns it, IOCTL_ECHO_GET_LENGTH
-- reports how much it holds, IOCTL_ECHO_WAIT parks the request until the
-- next write (IoMarkIrpPending, STATUS_PENDING, a cancel routine under the
-- cancel spin lock). Its device object is the global EchoDevice, named
-- \Device\Echo with the link \DosDevices\Echo (so "\\.\Echo" opens it). It does
-- everything right: the scenarios use it as the device below the driver
-- they test.
local function CTL_CODE(DeviceType, Function, Method, Access)
  return (DeviceType << 16) | (Access << 14) | (Function << 2) | Method
end
IOCTL_ECHO_GET_LENGTH = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
IOCTL_ECHO_WAIT = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 64, "\\Device\\Echo",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    EchoDevice = device
    status = IoCreateSymbolicLink("\\DosDevices\\Echo", "\\Device\\Echo")
    if status ~= STATUS_SUCCESS then
      IoDeleteDevice(device)
      return status
    end
    device.Flags = device.Flags | DO_BUFFERED_IO
    device.Flags = device.Flags & ~DO_DEVICE_INITIALIZING
    EchoHeld, EchoWaiting = 0, nil

    local function Complete(Irp, Status, Information)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end

    -- The parked wait's cancel routine: called with the cancel lock held.
    local function WaitCancel(DeviceObject, Irp)
      if EchoWaiting == Irp then
        EchoWaiting = nil
      end
      IoReleaseCancelSpinLock(Irp.CancelIrql)
      Complete(Irp, STATUS_CANCELLED, 0)
    end

    -- Opening and closing the device: nothing to set up per handle.
    local function Succeed(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = Succeed
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = Succeed
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = Succeed

    DriverObject.MajorFunction[IRP_MJ_WRITE] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Length = Stack.Parameters.Write.Length
      if Length > 64 then
        return Complete(Irp, STATUS_INVALID_BUFFER_SIZE, 0)
      end
      RtlCopyMemory(DeviceObject.DeviceExtension, Irp.AssociatedIrp.SystemBuffer, Length)
      EchoHeld = Length
      -- Release the parked wait, if any, unless it is being cancelled.
      local OldIrql = IoAcquireCancelSpinLock()
      local Waiter = EchoWaiting
      if Waiter ~= nil and IoSetCancelRoutine(Waiter, nil) ~= nil then
        EchoWaiting = nil
      else
        Waiter = nil
      end
      IoReleaseCancelSpinLock(OldIrql)
      if Waiter ~= nil then
        Complete(Waiter, STATUS_SUCCESS, 0)
      end
      return Complete(Irp, STATUS_SUCCESS, Length)
    end

    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Length = math.min(Stack.Parameters.Read.Length, EchoHeld)
      RtlCopyMemory(Irp.AssociatedIrp.SystemBuffer, DeviceObject.DeviceExtension, Length)
      return Complete(Irp, STATUS_SUCCESS, Length)
    end

    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Code = Stack.Parameters.DeviceIoControl.IoControlCode
      if Code == IOCTL_ECHO_GET_LENGTH then
        if Stack.Parameters.DeviceIoControl.OutputBufferLength < 4 then
          return Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0)
        end
        Irp.AssociatedIrp.SystemBuffer:set_u32(0, EchoHeld)
        return Complete(Irp, STATUS_SUCCESS, 4)
      elseif Code == IOCTL_ECHO_WAIT then
        local OldIrql = IoAcquireCancelSpinLock()
        if Irp.Cancel ~= 0 or EchoWaiting ~= nil then
          IoReleaseCancelSpinLock(OldIrql)
          return Complete(Irp, Irp.Cancel ~= 0 and STATUS_CANCELLED or STATUS_DEVICE_NOT_READY, 0)
        end
        IoMarkIrpPending(Irp)
        IoSetCancelRoutine(Irp, WaitCancel)
        EchoWaiting = Irp
        IoReleaseCancelSpinLock(OldIrql)
        return STATUS_PENDING
      end
      return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0)
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteSymbolicLink("\\DosDevices\\Echo")
      IoDeleteDevice(EchoDevice)
    end
    return STATUS_SUCCESS
  end,
}
