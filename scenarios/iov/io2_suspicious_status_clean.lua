-- io2_suspicious_status_clean: rawstat.sys, fixed: it turns the register into STATUS_SUCCESS or a
-- failure. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver rawstat.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

-- IOCTL_DEVICE_RESET resets the hardware; the status register says how it went.
IOCTL_DEVICE_RESET = 0x222000   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)
StatusRegister = 0x10000001     -- the device's "reset done" bits

PnpFdo = {
  DeviceControl = function(DeviceObject, Irp)
    local status = (StatusRegister & 1) ~= 0 and STATUS_SUCCESS or STATUS_IO_TIMEOUT
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
