-- io_dispatch_irql_changed: cntdev.sys adds each write's length to a total
-- under a spin lock. Its "write too large" path completes the request and
-- returns while still holding the lock, at DISPATCH_LEVEL. The I/O
-- verifier compares the IRQL before and after the dispatch routine (0xC9,
-- P1 = 5, P2 the device object, P3 the IRQL before, P4 the IRQL after).
scenario {
  -- /standard without DDI compliance checking (0x20000): with it, the rule
  -- IrqlReturn (0x2001D) reports the same call first, as on Windows.
  verifier = "/flags 0x9BB /driver cntdev.sys",
  expect = { bugcheck = 0xC9, p1 = 0x5, p3 = 0, p4 = 2, driver = "cntdev.sys" },
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
        -- BUG: KeReleaseSpinLock(Lock, OldIrql) missing on this path
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
      local Code = IoGetCurrentIrpStackLocation(Irp).Parameters.DeviceIoControl.IoControlCode
      local status = STATUS_INVALID_DEVICE_REQUEST
      if Code == IOCTL_COUNTER_GET then
        Irp.AssociatedIrp.SystemBuffer:set_u32(0, Total)
        Irp.IoStatus.Information = 4
        status = STATUS_SUCCESS
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
