-- io2_call_cancel_routine_set: pausefilt.sys, a filter over echo.sys,
-- holds reads while its device is paused, with a cancel routine so that a
-- held read can be cancelled. On resume (its timer DPC, 10 ms after load)
-- it passes the held read down with the cancel routine still set: a cancel
-- now would run the filter's routine on an IRP that belongs to the driver
-- below. Level 2 I/O
-- verification stops IoCallDriver (0xC9, P1 = 0x203, a WDM DRIVER ERROR;
-- P3 the IRP, P4 the cancel routine).
-- P2, the address in the driver's code where the error was detected, is
-- that of the routine that made the call (DeferredRoutine), as drvsim numbers them.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pausefilt.sys",
  cpus = 2,
  expect = { bugcheck = 0xC9, p1 = 0x203, p2 = 0xFFFFF80240101250, driver = "pausefilt.sys" },
}

driver "echo.sys" "drivers/echo.lua"

driver "pausefilt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    PauseLower, PauseFilter = IoAttachDeviceToDeviceStack(filter, EchoDevice), filter
    Paused, Held = true, nil
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    for Major = IRP_MJ_CREATE, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[Major] = function(DeviceObject, Irp)
        IoSkipCurrentIrpStackLocation(Irp)
        return IoCallDriver(PauseLower, Irp)
      end
    end
    local function HeldCancel(DeviceObject, Irp)
      if Held == Irp then
        Held = nil
      end
      IoReleaseCancelSpinLock(Irp.CancelIrql)
      Irp.IoStatus.Status = STATUS_CANCELLED
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
    end
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      local OldIrql = IoAcquireCancelSpinLock()
      if Paused and Held == nil then
        IoMarkIrpPending(Irp)
        IoSetCancelRoutine(Irp, HeldCancel)
        Held = Irp
        IoReleaseCancelSpinLock(OldIrql)
        return STATUS_PENDING
      end
      IoReleaseCancelSpinLock(OldIrql)
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(PauseLower, Irp)
    end
    -- The device resumes 10 ms after load: its timer DPC releases the held read.
    local function Resume()
      local OldIrql = IoAcquireCancelSpinLock()
      Paused = false
      local Irp = Held
      Held = nil
      IoReleaseCancelSpinLock(OldIrql)
      if Irp == nil then
        return
      end
      -- BUG: IoSetCancelRoutine(Irp, nil) first
      IoSkipCurrentIrpStackLocation(Irp)
      IoCallDriver(PauseLower, Irp)
    end
    ResumeTimer, ResumeDpc = KTIMER(), KDPC()
    KeInitializeTimer(ResumeTimer)
    KeInitializeDpc(ResumeDpc, function(Dpc, Context, Argument1, Argument2)
      Resume()
    end, nil)
    KeSetTimer(ResumeTimer, -10000 * 10, ResumeDpc)
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(ResumeTimer)
      KeFlushQueuedDpcs()
      IoDetachDevice(PauseLower)
      IoDeleteDevice(PauseFilter)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "echo.sys"
  LoadDriver "pausefilt.sys"
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Clnt")
  local Top = IoGetAttachedDeviceReference(EchoDevice)
  local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Top, Buffer, 16, nil, Event, Iosb)
  assert(IoCallDriver(Top, Irp) == STATUS_PENDING, "held while paused")
  KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  ObDereferenceObject(Top)
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "pausefilt.sys"
end)
