-- io2_information_too_large: cntdev.sys widens its total to 64 bits for
-- IOCTL_COUNTER_GET and answers 8 bytes, still checking only for the 4 of
-- its first version: a caller with a 4-byte output buffer gets
-- Information = 8. The I/O manager would copy 8 bytes into a 4-byte buffer.
-- Level 2 I/O verification stops IoCompleteRequest (0xC9, P1 = 0x312, a
-- WDM DRIVER ERROR; P3 the IRP, P4 the Information).
-- P2, the address in the driver's code where the error was detected, is
-- that of the routine that made the call (IRP_MJ_DEVICE_CONTROL), as drvsim numbers them.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver cntdev.sys",
  expect = { bugcheck = 0xC9, p1 = 0x312, p2 = 0xFFFFF80240001020, p4 = 8, driver = "cntdev.sys" },
}

driver "cntdev.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\Counter",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    CounterDevice, Lock, Total = device, KSPIN_LOCK(), 0
    KeInitializeSpinLock(Lock)
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING

    -- A write adds its bytes to the total, at most 16 at a time.
    DriverObject.MajorFunction[IRP_MJ_WRITE] = function(DeviceObject, Irp)
      local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Write.Length
      local OldIrql = KeAcquireSpinLock(Lock)
      if Length > 16 then
        KeReleaseSpinLock(Lock, OldIrql)
        Irp.IoStatus.Status = STATUS_INVALID_BUFFER_SIZE
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return STATUS_INVALID_BUFFER_SIZE
      end
      Total = Total + Length
      KeReleaseSpinLock(Lock, OldIrql)
      Irp.IoStatus.Status = STATUS_SUCCESS
      Irp.IoStatus.Information = Length
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end

    -- IOCTL_COUNTER_GET returns the total.
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Code = Stack.Parameters.DeviceIoControl.IoControlCode
      local status = STATUS_INVALID_DEVICE_REQUEST
      if Code == IOCTL_COUNTER_GET then
        if Stack.Parameters.DeviceIoControl.OutputBufferLength < 4 then   -- BUG: 8
          status = STATUS_BUFFER_TOO_SMALL
        else
          Irp.AssociatedIrp.SystemBuffer:write(0, string.pack("<I8", Total))
          Irp.IoStatus.Information = 8
          status = STATUS_SUCCESS
        end
      end
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(CounterDevice)
    end
    return STATUS_SUCCESS
  end,
}

IOCTL_COUNTER_GET = 0x222000     -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)
IOCTL_COUNTER_RESET = 0x222004   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, 0)

local function Send(Irp, Event, Iosb)
  if IoCallDriver(CounterDevice, Irp) == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  end
  return Iosb.Status
end

run(function()
  LoadDriver "cntdev.sys"
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "Clnt")
  for _, Length in ipairs({8, 32, 4}) do
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    Send(IoBuildSynchronousFsdRequest(IRP_MJ_WRITE, CounterDevice, Buffer, Length, nil, Event,
                                      Iosb), Event, Iosb)
  end
  for _, Code in ipairs({IOCTL_COUNTER_GET, IOCTL_COUNTER_RESET}) do
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    Send(IoBuildDeviceIoControlRequest(Code, CounterDevice, nil, 0, Buffer, 4, false, Event,
                                       Iosb), Event, Iosb)
  end
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "cntdev.sys"
end)
