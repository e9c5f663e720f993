-- pollread.sys: reads wait for the device's next sample, which a periodic
-- timer DPC (every millisecond, on whichever processor) delivers by
-- completing the pending read. A read can be cancelled while it waits.
--
-- Who completes a read is decided under the driver's lock: whoever takes it
-- out of PollCurrent (the DPC, or the cancel routine) owns it. The DPC then
-- disarms the cancel routine (IoSetCancelRoutine(Irp, NULL)) and completes
-- the read; a cancel routine that finds PollCurrent empty leaves the read
-- to the DPC.
--
-- POLLREAD_ARM_FIRST (set by the scenario, as a #define would be): true,
-- the dispatch routine sets the cancel routine before it publishes the read
-- in PollCurrent, under the lock (the fix); false, it publishes the read
-- first and sets the cancel routine after releasing the lock (the bug): the
-- DPC can take the read, disarm nothing, and complete it just after the
-- dispatch routine armed it.
--
-- POLLREAD_CANCEL_CHECKS (default true): false, the cancel routine does not
-- look whether the DPC took the read first, and completes it anyway (the
-- other classic bug): a cancel between the DPC taking the read and
-- completing it completes the read twice (MULTIPLE_IRP_COMPLETE_REQUESTS).
local ArmFirst = POLLREAD_ARM_FIRST
local CancelChecks = POLLREAD_CANCEL_CHECKS ~= false

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\PollRead",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    PollDevice, PollLock, PollTimer, PollDpc = device, KSPIN_LOCK(), KTIMER(), KDPC()
    PollCurrent, Samples = nil, 0
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    KeInitializeSpinLock(PollLock)
    KeInitializeTimer(PollTimer)

    local function PollCancel(DeviceObject, Irp)
      local CancelIrql = Irp.CancelIrql
      KeAcquireSpinLockAtDpcLevel(PollLock)
      local Mine = PollCurrent == Irp
      if Mine then
        PollCurrent = nil
      end
      KeReleaseSpinLockFromDpcLevel(PollLock)
      IoReleaseCancelSpinLock(CancelIrql)
      if not Mine and CancelChecks then
        return   -- the DPC took it first and completes it
      end
      Irp.IoStatus.Status = STATUS_CANCELLED
      Irp.IoStatus.Information = 0
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
    end

    KeInitializeDpc(PollDpc, function(Dpc, Context, Argument1, Argument2)
      KeAcquireSpinLockAtDpcLevel(PollLock)
      local Irp = PollCurrent
      PollCurrent = nil
      KeReleaseSpinLockFromDpcLevel(PollLock)
      if Irp == nil then
        return
      end
      IoSetCancelRoutine(Irp, nil)   -- ours now: a running cancel routine leaves it
      Samples = Samples + 1
      Irp.AssociatedIrp.SystemBuffer:set_u32(0, Samples)
      Irp.IoStatus.Status = STATUS_SUCCESS
      Irp.IoStatus.Information = 4
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
    end, nil)
    KeSetTimerEx(PollTimer, -10000, 1, PollDpc)

    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      IoMarkIrpPending(Irp)
      local OldIrql = KeAcquireSpinLock(PollLock)
      if PollCurrent ~= nil then
        KeReleaseSpinLock(PollLock, OldIrql)
        Irp.IoStatus.Status = STATUS_DEVICE_NOT_READY
        IoCompleteRequest(Irp, IO_NO_INCREMENT)
        return STATUS_PENDING
      end
      if ArmFirst then
        IoSetCancelRoutine(Irp, PollCancel)
      end
      PollCurrent = Irp
      KeReleaseSpinLock(PollLock, OldIrql)
      if not ArmFirst then
        IoSetCancelRoutine(Irp, PollCancel)   -- BUG: the DPC may have the read already
      end
      return STATUS_PENDING
    end

    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(PollTimer)
      KeFlushQueuedDpcs()
      IoDeleteDevice(PollDevice)
    end
    return STATUS_SUCCESS
  end,
}
