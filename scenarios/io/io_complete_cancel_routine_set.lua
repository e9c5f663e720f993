-- io_complete_cancel_routine_set: slowdev.sys parks a read with a cancel
-- routine (IoSetCancelRoutine) until its device answers; the DPC completes
-- the read without taking the cancel routine off first. A cancel arriving
-- now would complete the IRP a second time: I/O verification stops
-- IoCompleteRequest (0xC9, P1 = 7, P2 the cancel routine, P3 the IRP).
scenario {
  verifier = "/standard /driver slowdev.sys",
  cpus = 2,
  expect = { bugcheck = 0xC9, p1 = 0x7, driver = "slowdev.sys" },
}

driver "slowdev.sys" {
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
    -- A pending read can be cancelled: the cancel routine takes it back.
    SlowCancel = function(DeviceObject, Irp)
      IoReleaseCancelSpinLock(Irp.CancelIrql)
      local OldIrql = KeAcquireSpinLock(Lock)
      if Current == Irp then
        Current = nil
      end
      KeReleaseSpinLock(Lock, OldIrql)
      Irp.IoStatus.Status = STATUS_CANCELLED
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
    end
    -- The device answers 10 ms after a read starts: its DPC completes it.
    KeInitializeDpc(Dpc, function(Dpc, Context, Argument1, Argument2)
      KeAcquireSpinLockAtDpcLevel(Lock)
      local Irp = Current
      Current = nil
      KeReleaseSpinLockFromDpcLevel(Lock)
      if Irp ~= nil then
        -- BUG: IoSetCancelRoutine(Irp, nil) first, and skip the IRP if it returns nil
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
      IoSetCancelRoutine(Irp, SlowCancel)
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

run(function()
  LoadDriver "slowdev.sys"
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Clnt")
  local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, SlowDevice, Buffer, 16, nil, Event, Iosb)
  if IoCallDriver(SlowDevice, Irp) == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  end
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "slowdev.sys"
end)
