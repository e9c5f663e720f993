-- SpinLock: a statistics driver's write path takes its spin lock, and on
-- an oversized write calls its error accounting, which takes the same lock
-- again (a helper written for callers that do not hold it). On one
-- processor the second acquire would spin for ever; DDI compliance checking
-- stops it first (0xC4/0x40009, P3 the rule's state: 1, locked; P4 the lock)
-- and the report shows the lock's history: acquired at line 31, acquired
-- again at line 14.
scenario {
  verifier = "/standard /driver wstats.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x40009, p3 = 1, driver = "wstats.sys" },
}

local function CountError()
  local OldIrql = KeAcquireSpinLock(StatsLock)
  Errors = Errors + 1
  KeReleaseSpinLock(StatsLock, OldIrql)
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
        -- BUG: CountError takes StatsLock, which this routine holds.
        CountError()
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
