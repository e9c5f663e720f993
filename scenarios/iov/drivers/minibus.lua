-- minibus.sys: a bus driver whose DriverEntry creates the PDO of the child
-- it enumerates (the global ChildPdo, the bottom of the child's stack) and
-- answers the PDO's IRPs as its bus driver: the state-changing PnP IRPs
-- succeed, TargetDeviceRelation is the PDO itself (referenced for the
-- caller), other PnP, power and WMI IRPs are completed untouched. The PDO
-- goes when the driver unloads. The scenario drives it with
-- drivers/pnpbus.lua's SendPnp and QueryRelations. A scenario changes it
-- through the global table Minibus, set before the driver line (the file
-- takes it when it loads and clears it):
--
--   Succeeds                    the minor codes it succeeds, instead of the
--                               eight state changes
--   Target(Relations, Pdo)      fills the DEVICE_RELATIONS it answers
--                               TargetDeviceRelation with, instead of
--                               Count 1, Objects[0] the PDO, referenced
local Hooks = Minibus or {}
Minibus = nil
local Target = Hooks.Target
local Succeeds = Hooks.Succeeds or {
  [IRP_MN_START_DEVICE] = true, [IRP_MN_QUERY_REMOVE_DEVICE] = true,
  [IRP_MN_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
  [IRP_MN_STOP_DEVICE] = true, [IRP_MN_QUERY_STOP_DEVICE] = true,
  [IRP_MN_CANCEL_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
}

return {
  DriverEntry = function(DriverObject, RegistryPath)
    -- The child it enumerates: a PDO, the bottom of the child's stack.
    local status, pdo = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_BUS_EXTENDER,
                                       FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    ChildPdo = pdo
    pdo.Flags = pdo.Flags & ~DO_DEVICE_INITIALIZING
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
          if Target ~= nil then
            Target(Relations, DeviceObject)
          else
            Relations:set_u32(0, 1)
            Relations:set_ptr(8, DeviceObject)
            ObReferenceObject(DeviceObject)   -- the caller's reference
          end
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
