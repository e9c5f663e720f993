-- slowdev.sys: a slow device done right. Its read dispatch marks the read
-- pending with IoMarkIrpPending and returns STATUS_PENDING; a timer DPC
-- completes it later. The clean twin of io2_marked_not_pending and
-- io2_pending_not_marked.
return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\Slow", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    SlowDevice = device
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    Timer, Dpc, Lock, Current = KTIMER(), KDPC(), KSPIN_LOCK(), nil
    KeInitializeTimer(Timer)
    KeInitializeSpinLock(Lock)

    -- The device answers 10 ms after a read starts: its DPC completes it.
    KeInitializeDpc(Dpc, function(Dpc, Context, Argument1, Argument2)
      KeAcquireSpinLockAtDpcLevel(Lock)
      local Irp = Current
      Current = nil
      KeReleaseSpinLockFromDpcLevel(Lock)
      if Irp ~= nil then
        Irp.IoStatus.Status = STATUS_SUCCESS
        Irp.IoStatus.Information = 0
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
      end
    end, nil)

    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      local OldIrql = KeAcquireSpinLock(Lock)
      if Current ~= nil then
        KeReleaseSpinLock(Lock, OldIrql)
        Irp.IoStatus.Status = STATUS_DEVICE_NOT_READY
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return STATUS_DEVICE_NOT_READY
      end
      IoMarkIrpPending(Irp)
      Current = Irp
      KeReleaseSpinLock(Lock, OldIrql)
      KeSetTimer(Timer, -10000 * 10, Dpc)
      return STATUS_PENDING
    end

    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      IoDeleteDevice(SlowDevice)
    end
    return STATUS_SUCCESS
  end,
}
