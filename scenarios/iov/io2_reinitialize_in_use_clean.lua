-- io2_reinitialize_in_use_clean: pollflt.sys, fixed: it leaves its poll to slowdev.sys, which
-- holds it until the hardware answers, and waits for the completion. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pollflt.sys",
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
    -- A request waits for the hardware's answer, 10 ms later (its timer DPC).
    Answer, AnswerDpc = KTIMER(), KDPC()
    KeInitializeTimer(Answer)
    KeInitializeDpc(AnswerDpc, function(Dpc, Context, Argument1, Argument2)
      local Irp = Held
      Held = nil
      Irp.IoStatus.Status = STATUS_SUCCESS
      Irp.IoStatus.Information = 0
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
    end, nil)
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      IoMarkIrpPending(Irp)
      Held = Irp
      KeSetTimer(Answer, -10000 * 10, AnswerDpc)
      return STATUS_PENDING
    end
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Answer)
      IoDeleteDevice(SlowDevice)
    end
    return STATUS_SUCCESS
  end,
}

driver "pollflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, filter = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Lower = IoAttachDeviceToDeviceStack(filter, SlowDevice)
    if Lower == nil then
      IoDeleteDevice(filter)
      return STATUS_NO_SUCH_DEVICE
    end
    Filter = filter
    filter.Flags = (filter.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    -- Its own poll of the device: an IRP of its own, sent down and waited for.
    PollDone = KEVENT()
    KeInitializeEvent(PollDone, NotificationEvent, false)
    PollIrp = IoAllocateIrp(Lower.StackSize, false)
    local Next = IoGetNextIrpStackLocation(PollIrp)
    Next.MajorFunction = IRP_MJ_DEVICE_CONTROL
    Next.Parameters.DeviceIoControl.IoControlCode = IOCTL_SLOW_POLL
    IoSetCompletionRoutine(PollIrp, function(DeviceObject, Irp, Context)
      KeSetEvent(PollDone, IO_NO_INCREMENT, false)
      return STATUS_MORE_PROCESSING_REQUIRED
    end, nil, true, true, true)
    IoCallDriver(Lower, PollIrp)
    KeWaitForSingleObject(PollDone, Executive, KernelMode, false, nil)
    IoFreeIrp(PollIrp)
    DriverObject.DriverUnload = function(DriverObject)
      IoDetachDevice(Lower)
      IoDeleteDevice(Filter)
    end
    return STATUS_SUCCESS
  end,
}

IOCTL_SLOW_POLL = 0x222000   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)

run(function()
  LoadDriver "slowdev.sys"
  LoadDriver "pollflt.sys"
  UnloadDriver "pollflt.sys"
  UnloadDriver "slowdev.sys"
end)
