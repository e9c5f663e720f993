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

Handled = {
  [IRP_MN_START_DEVICE] = false,   -- the PDO starts the hardware; nothing to do above it
  [IRP_MN_QUERY_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
  [IRP_MN_QUERY_STOP_DEVICE] = true, [IRP_MN_CANCEL_STOP_DEVICE] = true,
  [IRP_MN_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
}

driver "rawret.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- AddDevice's work: a device attached over the PDO.
    local status, fdo = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Lower = IoAttachDeviceToDeviceStack(fdo, BusPdo)
    if Lower == nil then
      IoDeleteDevice(fdo)
      return STATUS_NO_SUCH_DEVICE
    end
    Fdo = fdo
    fdo.Flags = (fdo.Flags | (Lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE)))
                & ~DO_DEVICE_INITIALIZING
    -- PnP: each state change set to STATUS_SUCCESS and passed down; the
    -- device leaves its stack on IRP_MN_REMOVE_DEVICE.
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_REMOVE_DEVICE then
        Irp.IoStatus.Status = STATUS_SUCCESS
        IoSkipCurrentIrpStackLocation(Irp)
        local status = IoCallDriver(Lower, Irp)
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
        return status
      end
      if Handled[Minor] then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      PoStartNextPowerIrp(Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return PoCallDriver(Lower, Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = function(DeviceObject, Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return IoCallDriver(Lower, Irp)
    end
    -- IOCTL_DEVICE_RESET resets the hardware; the status register says how it went.
    IOCTL_DEVICE_RESET = 0x222000   -- CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, 0)
    StatusRegister = 0x10000001     -- the device's "reset done" bits
    DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = function(DeviceObject, Irp)
      Irp.IoStatus.Status = STATUS_SUCCESS
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return StatusRegister   -- BUG: a register image, not an NTSTATUS
    end
    DriverObject.DriverUnload = function(DriverObject)
    end
    return STATUS_SUCCESS
  end,
}

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
