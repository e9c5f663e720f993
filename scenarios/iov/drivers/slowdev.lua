-- slowdev.sys: a slow device, \Device\Slow (the global SlowDevice), under
-- the pollflt.sys scenarios. An I/O control request (IOCTL_SLOW_POLL, the
-- only one) is held pending until the hardware answers, 10 ms later: its
-- timer DPC completes it with STATUS_SUCCESS. It holds one request at a
-- time (the global Held).
IOCTL_SLOW_POLL = 0x222000   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)

return {
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
