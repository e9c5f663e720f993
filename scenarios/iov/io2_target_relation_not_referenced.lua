-- io2_target_relation_not_referenced: minibus.sys answers TargetDeviceRelation with its child's
-- PDO but does not reference it: the PnP manager dereferences what it gets, and the PDO would go
-- early. I/O verification compares the PDO's references when the PDO completes the IRP (0xC9, P1 =
-- 0x22C, a WDM DRIVER ERROR; P3 the IRP, P4 the PDO).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc9--driver-verifier-iomanager-violation.md
scenario {
  verifier = "/standard /driver minibus.sys",
  expect = { bugcheck = 0xC9, p1 = 0x22C, driver = "minibus.sys" },
}

driver "pnpbus.sys" "drivers/pnpbus.lua"

Handled = {
  [IRP_MN_START_DEVICE] = false,   -- the PDO starts the hardware; nothing to do above it
  [IRP_MN_QUERY_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
  [IRP_MN_QUERY_STOP_DEVICE] = true, [IRP_MN_CANCEL_STOP_DEVICE] = true,
  [IRP_MN_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
}

driver "minibus.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- The child it enumerates: a PDO, the bottom of the child's stack.
    local status, pdo = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_BUS_EXTENDER,
                                       FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    ChildPdo = pdo
    pdo.Flags = pdo.Flags & ~DO_DEVICE_INITIALIZING
    local Succeeds = {
      [IRP_MN_START_DEVICE] = true, [IRP_MN_QUERY_REMOVE_DEVICE] = true,
      [IRP_MN_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
      [IRP_MN_STOP_DEVICE] = true, [IRP_MN_QUERY_STOP_DEVICE] = true,
      [IRP_MN_CANCEL_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
    }
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Minor = Stack.MinorFunction
      local status = Irp.IoStatus.Status
      if Succeeds[Minor] then
        status = STATUS_SUCCESS
      elseif Minor == IRP_MN_QUERY_DEVICE_RELATIONS
          and Stack.Parameters.QueryDeviceRelations.Type == TargetDeviceRelation then
        local Relations = ExAllocatePoolWithTag(PagedPool, 16, "BusR")
        if Relations == nil then
          status = STATUS_INSUFFICIENT_RESOURCES
        else
          Relations:set_u32(0, 1)
          Relations:set_ptr(8, DeviceObject)
          -- BUG: no ObReferenceObject for the caller
          Irp.IoStatus.Information = Relations
          status = STATUS_SUCCESS
        end
      end
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      PoStartNextPowerIrp(Irp)
      local status = Irp.IoStatus.Status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = function(DeviceObject, Irp)
      local status = Irp.IoStatus.Status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(ChildPdo)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "minibus.sys"
  SendPnp(ChildPdo, IRP_MN_START_DEVICE)
  local status, Relations = SendPnp(ChildPdo, IRP_MN_QUERY_DEVICE_RELATIONS, function(Stack)
    Stack.Parameters.QueryDeviceRelations.Type = TargetDeviceRelation
  end)
  if status == STATUS_SUCCESS and Relations ~= nil then
    -- The PnP manager's part: drop the references, free the list.
    for i = 1, Relations:u32(0) do
      ObDereferenceObject(Relations:ptr(8 * i))
    end
    ExFreePool(Relations)
  end
  UnloadDriver "minibus.sys"
end)
