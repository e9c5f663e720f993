-- io2_suspicious_status: rawstat.sys completes IOCTL_DEVICE_RESET with the value of its device's
-- status register as the IRP's status: not an NTSTATUS (bit 28, which no status has, is set). I/O
-- verification checks the status when the driver completes the IRP (0xC9, P1 = 0x21B, a WDM DRIVER
-- ERROR; P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver rawstat.sys",
  expect = { bugcheck = 0xC9, p1 = 0x21B, driver = "rawstat.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

-- IOCTL_DEVICE_RESET resets the hardware; the status register says how it went.
IOCTL_DEVICE_RESET = 0x222000   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)
StatusRegister = 0x10000001     -- the device's "reset done" bits

PnpFdo = {
  DeviceControl = function(DeviceObject, Irp)
    local status = StatusRegister   -- BUG: a register image, not an NTSTATUS
    Irp.IoStatus.Status = status
    IoCompleteRequest(Irp, IO_NO_INCREMENT)
    return status
  end,
}
driver "rawstat.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "rawstat.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Irp = IoBuildDeviceIoControlRequest(IOCTL_DEVICE_RESET, Fdo, nil, 0, nil, 0, false, Event,
                                            Iosb)
  if IoCallDriver(Fdo, Irp) == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  end
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "rawstat.sys"
  UnloadDriver "pnpbus.sys"
end)
