-- IrqlReturn: a LED controller's IOCTL raises to DISPATCH_LEVEL to update
-- its register shadow, and on the "blink" path returns without lowering the
-- IRQL again. A dispatch routine must return at the IRQL it was called at:
-- DDI compliance checking stops it when it returns (0xC4/0x2001D), before
-- I/O verification's own check of the same return (0xC9/0x5).
scenario {
  verifier = "/standard /driver ledio.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x2001D, p3 = 0, p4 = 0, driver = "ledio.sys" },
}

IOCTL_LED_SET = 0x222000     -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)
IOCTL_LED_BLINK = 0x222004   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, 0)

driver "ledio.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\LedIo",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    LedDevice, Shadow = device, 0
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      local Code = IoGetCurrentIrpStackLocation(Irp).Parameters.DeviceIoControl.IoControlCode
      local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
      Shadow = Code == IOCTL_LED_BLINK and 2 or 1
      if Code ~= IOCTL_LED_BLINK then
        KeLowerIrql(OldIrql)
      end
      -- BUG: the blink path returns at DISPATCH_LEVEL.
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(LedDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ledio.sys"
  for _, Code in ipairs({IOCTL_LED_SET, IOCTL_LED_BLINK}) do
    local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
    KeInitializeEvent(Event, NotificationEvent, false)
    local Irp = IoBuildDeviceIoControlRequest(Code, LedDevice, nil, 0, nil, 0, false, Event, Iosb)
    if IoCallDriver(LedDevice, Irp) == STATUS_PENDING then
      KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
    end
  end
  UnloadDriver "ledio.sys"
end)
