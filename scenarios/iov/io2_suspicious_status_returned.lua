-- io2_suspicious_status_returned: rawret.sys completes IOCTL_DEVICE_RESET with STATUS_SUCCESS but
-- returns the device's status register from its dispatch routine: not an NTSTATUS (bit 28 set).
-- I/O verification checks the status the dispatch routine returns (0xC9, P1 = 0x300, a WDM DRIVER
-- ERROR; P2 the dispatch routine, P3 the IRP, P4 the status).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver rawret.sys",
  expect = { bugcheck = 0xC9, p1 = 0x300, driver = "rawret.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

-- IOCTL_DEVICE_RESET resets the hardware; the status register says how it went.
IOCTL_DEVICE_RESET = 0x222000   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)
StatusRegister = 0x10000001     -- the device's "reset done" bits

PnpFdo = {
  DeviceControl = function(DeviceObject, Irp)
    Irp.IoStatus.Status = STATUS_SUCCESS
    IoCompleteRequest(Irp, IO_NO_INCREMENT)
    return StatusRegister   -- BUG: a register image, not an NTSTATUS
  end,
}
driver "rawret.sys" "drivers/pnpfdo.lua"

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "rawret.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Irp = IoBuildDeviceIoControlRequest(IOCTL_DEVICE_RESET, Fdo, nil, 0, nil, 0, false, Event,
                                            Iosb)
  if IoCallDriver(Fdo, Irp) == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
  end
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "rawret.sys"
  UnloadDriver "pnpbus.sys"
end)
