-- io2_power_status_not_supported_clean: pwrlow.sys, fixed: it passes IRP_MN_SET_POWER down
-- untouched. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver pwrlow.sys",
  expect = "clean",
}

driver "pnpbus.sys" "drivers/pnpbus.lua"
driver "pnpfilt.sys" "drivers/pnpfilt.lua"

Handled = {
  [IRP_MN_START_DEVICE] = false,   -- the PDO starts the hardware; nothing to do above it
  [IRP_MN_QUERY_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
  [IRP_MN_QUERY_STOP_DEVICE] = true, [IRP_MN_CANCEL_STOP_DEVICE] = true,
  [IRP_MN_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
}

driver "pwrlow.sys" {
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
    DriverObject.DriverUnload = function(DriverObject)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pnpbus.sys"
  LoadDriver "pwrlow.sys"
  LoadDriver "pnpfilt.sys"
  local Top = IoGetAttachedDeviceReference(BusPdo)
  SendPnp(Top, IRP_MN_START_DEVICE)
  SendPower(Top, IRP_MN_SET_POWER, function(Stack)
    Stack.Parameters.Power.Type = DevicePowerState
    Stack.Parameters.Power.State.DeviceState = 1   -- PowerDeviceD0
  end)
  SendPnp(Top, IRP_MN_REMOVE_DEVICE)
  ObDereferenceObject(Top)
  UnloadDriver "pnpfilt.sys"
  UnloadDriver "pwrlow.sys"
  UnloadDriver "pnpbus.sys"
end)
