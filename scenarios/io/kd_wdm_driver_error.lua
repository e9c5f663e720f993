-- kd_wdm_driver_error: io2_marked_not_pending under a kernel debugger
-- (kd = true, as --kd). slowdev.sys starts a read and marks it pending,
-- but returns STATUS_SUCCESS ("the request is accepted") while its DPC has
-- yet to complete it. With a kernel debugger attached, level 2 I/O
-- verification prints "WDM DRIVER ERROR 0x23E" with the IRP and lets the
-- run go on (seed 003, 2.1.1.6): the DPC completes the read later and the
-- run ends clean. Without the debugger it is 0xC9, P1 = 0x23E.
scenario {
  verifier = "/standard /driver slowdev.sys",
  cpus = 2,
  kd = true,
  expect = "clean",
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
      return STATUS_SUCCESS   -- BUG: a request marked pending returns STATUS_PENDING
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
  Sleep "20ms"   -- the read was reported done: the DPC completes it meanwhile
  assert(KeReadStateEvent(Event) == 1, "completed by the DPC")
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "slowdev.sys"
end)
