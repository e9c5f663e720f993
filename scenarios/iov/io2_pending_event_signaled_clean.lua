-- io2_pending_event_signaled_clean: pollflt.sys, fixed: KeClearEvent before each poll. Clean under
-- /standard.
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
    -- Two polls of the device, with one event, waited for.
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    for Poll = 1, 2 do
      KeClearEvent(Event)
      local Irp = IoBuildDeviceIoControlRequest(IOCTL_SLOW_POLL, Lower, nil, 0, nil, 0, false,
                                                Event, Iosb)
      if Irp == nil then
        IoDetachDevice(Lower)
        IoDeleteDevice(filter)
        return STATUS_INSUFFICIENT_RESOURCES
      end
      if IoCallDriver(Lower, Irp) == STATUS_PENDING then
        KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
      end
    end
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
