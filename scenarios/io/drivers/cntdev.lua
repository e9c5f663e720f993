-- cntdev.sys: a counter device done right. A write adds its length to the
-- total (16 bytes at most, else STATUS_INVALID_BUFFER_SIZE); IOCTL_COUNTER_GET
-- returns the total; every other IOCTL, IOCTL_COUNTER_RESET included, fails
-- with STATUS_INVALID_DEVICE_REQUEST. Each path completes the IRP with the
-- status it returns. The clean twin of io2_status_mismatch,
-- io2_illegal_status_returned and io2_not_completed_not_pending.

IOCTL_COUNTER_GET = 0x222000     -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)
IOCTL_COUNTER_RESET = 0x222004   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, 0)

return {
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
