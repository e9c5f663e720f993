-- SpinLock, clean twin: the write path counts an oversized write's error
-- with the lock it already holds (CountErrorLocked), and releases the lock
-- once, before it completes the IRP.
scenario {
  verifier = "/standard /driver wstats.sys",
  expect   = "clean",
}

-- The caller holds StatsLock.
local function CountErrorLocked()
  Errors = Errors + 1
end

driver "wstats.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\WStats",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    StatsDevice, StatsLock, Bytes, Errors = device, KSPIN_LOCK(), 0, 0
    KeInitializeSpinLock(StatsLock)
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    DriverObject.MajorFunction[IRP_MJ_WRITE] = function(DeviceObject, Irp)
      local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Write.Length
      local OldIrql = KeAcquireSpinLock(StatsLock)
      local status = STATUS_SUCCESS
      if Length > 16 then
        CountErrorLocked()
        status = STATUS_INVALID_BUFFER_SIZE
      else
        Bytes = Bytes + Length
      end
      KeReleaseSpinLock(StatsLock, OldIrql)
      Irp.IoStatus.Status = status
      Irp.IoStatus.Information = status == STATUS_SUCCESS and Length or 0
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(StatsDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "wstats.sys"
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "Clnt")
  for _, Length in ipairs({8, 32}) do
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_WRITE, StatsDevice, Buffer, Length, nil,
                                             Event, Iosb)
    if IoCallDriver(StatsDevice, Irp) == STATUS_PENDING then
      KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
    end
  end
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "wstats.sys"
end)
