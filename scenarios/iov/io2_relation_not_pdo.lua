-- io2_relation_not_pdo: remrel.sys reports its removal relations (the devices that go with it) and
-- names its own device object: relations name PDOs, the PnP manager builds device nodes from them.
-- I/O verification checks the list when the IRP is passed down with it (0xC9, P1 = 0x248, a WDM
-- DRIVER ERROR; P3 the IRP, P4 the device named).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver remrel.sys",
  expect = { bugcheck = 0xC9, p1 = 0x248, driver = "remrel.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

Handled = {
  [IRP_MN_START_DEVICE] = false,   -- the PDO starts the hardware; nothing to do above it
  [IRP_MN_QUERY_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
  [IRP_MN_QUERY_STOP_DEVICE] = true, [IRP_MN_CANCEL_STOP_DEVICE] = true,
  [IRP_MN_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
}

driver "remrel.sys" {
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
      if Minor == IRP_MN_QUERY_DEVICE_RELATIONS
          and IoGetCurrentIrpStackLocation(Irp).Parameters.QueryDeviceRelations.Type
              == RemovalRelations then
        local Relations = ExAllocatePoolWithTag(PagedPool, 16, "Rels")
        if Relations ~= nil then
          Relations:set_u32(0, 1)
          Relations:set_ptr(8, DeviceObject)   -- BUG: its own device, not a PDO
          ObReferenceObject(DeviceObject)
          Irp.IoStatus.Information = Relations
          Irp.IoStatus.Status = STATUS_SUCCESS
        end
      end
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
  LoadDriver "remrel.sys"
  SendPnp(Fdo, IRP_MN_START_DEVICE)
  local status, Relations = SendPnp(Fdo, IRP_MN_QUERY_DEVICE_RELATIONS, function(Stack)
    Stack.Parameters.QueryDeviceRelations.Type = RemovalRelations
  end)
  if status == STATUS_SUCCESS and Relations ~= nil then
    -- The PnP manager's part: drop the references, free the list.
    for i = 1, Relations:u32(0) do
      ObDereferenceObject(Relations:ptr(8 * i))
    end
    ExFreePool(Relations)
  end
  SendPnp(Fdo, IRP_MN_REMOVE_DEVICE)
  UnloadDriver "remrel.sys"
  UnloadDriver "pnpbus.sys"
end)
