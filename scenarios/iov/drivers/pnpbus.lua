-- pnpbus.sys: a bus driver's PDO, the bottom of a PnP device stack, and
-- the PnP manager's part, played by the scenario. DriverEntry creates the
-- PDO (the global BusPdo) as a bus driver does when it enumerates a child;
-- the function or filter driver a scenario tests attaches over it in its
-- DriverEntry, as its AddDevice would. The PDO answers PnP, power and WMI
-- IRPs as a bus driver answers them for its child: it succeeds the state
-- changes, fills TargetDeviceRelation with itself (referenced for the
-- caller) and the capabilities, completes the others untouched, and stays
-- after IRP_MN_REMOVE_DEVICE (it is deleted once reported missing).
--
-- SendPnp, SendPower and SendWmi send an IRP from the top of a stack as the
-- PnP, power and WMI managers do: allocated for the stack, IoStatus.Status
-- STATUS_NOT_SUPPORTED, and back with its status and information (the
-- caller frees what Information points to, as those managers do);
-- QueryRelations asks for a relation list.
local function Send(Top, Major, Minor, Setup)
  local Irp = IoAllocateIrp(Top.StackSize, false)
  local Stack = IoGetNextIrpStackLocation(Irp)
  Stack.MajorFunction = Major
  Stack.MinorFunction = Minor
  Irp.IoStatus.Status = STATUS_NOT_SUPPORTED
  if Setup ~= nil then
    Setup(Stack, Irp)
  end
  -- The stack answers at once (no driver here pends these IRPs).
  assert(IoCallDriver(Top, Irp) ~= STATUS_PENDING)
  -- Information, read as the pointer it holds for the IRPs that return a
  -- structure (x64 layout).
  local status, information = Irp.IoStatus.Status, Irp.IoStatus:ptr(8)
  IoFreeIrp(Irp)
  return status, information
end
function SendPnp(Top, Minor, Setup) return Send(Top, IRP_MJ_PNP, Minor, Setup) end
function SendPower(Top, Minor, Setup) return Send(Top, IRP_MJ_POWER, Minor, Setup) end
function SendWmi(Top, Minor, Setup) return Send(Top, IRP_MJ_SYSTEM_CONTROL, Minor, Setup) end

-- QueryRelations(Top, Type): IRP_MN_QUERY_DEVICE_RELATIONS for relations of
-- Type from the top of a stack, then the PnP manager's part: the references
-- the list holds dropped, the list freed. Returns the IRP's status.
function QueryRelations(Top, Type)
  local status, Relations = SendPnp(Top, IRP_MN_QUERY_DEVICE_RELATIONS, function(Stack)
    Stack.Parameters.QueryDeviceRelations.Type = Type
  end)
  if status == STATUS_SUCCESS and Relations ~= nil then
    for i = 1, Relations:u32(0) do
      ObDereferenceObject(Relations:ptr(8 * i))
    end
    ExFreePool(Relations)
  end
  return status
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, pdo = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_BUS_EXTENDER,
                                       FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    BusPdo = pdo
    -- Buffered I/O, and its power path may page: the devices attached over
    -- it copy both flags.
    pdo.Flags = (pdo.Flags | DO_BUFFERED_IO | DO_POWER_PAGABLE) & ~DO_DEVICE_INITIALIZING

    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Stack = IoGetCurrentIrpStackLocation(Irp)
      local Minor = Stack.MinorFunction
      local status = Irp.IoStatus.Status
      if Minor == IRP_MN_START_DEVICE or Minor == IRP_MN_QUERY_REMOVE_DEVICE
          or Minor == IRP_MN_REMOVE_DEVICE or Minor == IRP_MN_CANCEL_REMOVE_DEVICE
          or Minor == IRP_MN_STOP_DEVICE or Minor == IRP_MN_QUERY_STOP_DEVICE
          or Minor == IRP_MN_CANCEL_STOP_DEVICE or Minor == IRP_MN_SURPRISE_REMOVAL then
        status = STATUS_SUCCESS
      elseif Minor == IRP_MN_QUERY_DEVICE_RELATIONS
          and Stack.Parameters.QueryDeviceRelations.Type == TargetDeviceRelation then
        local Relations = ExAllocatePoolWithTag(PagedPool, 16, "BusR")
        if Relations == nil then
          status = STATUS_INSUFFICIENT_RESOURCES
        else
          Relations:set_u32(0, 1)
          Relations:set_ptr(8, DeviceObject)
          ObReferenceObject(DeviceObject)
          Irp.IoStatus.Information = Relations
          status = STATUS_SUCCESS
        end
      elseif Minor == IRP_MN_QUERY_CAPABILITIES then
        local Capabilities = Stack.Parameters.DeviceCapabilities.Capabilities
        Capabilities:set_u32(4, 0x10)    -- Removable
        status = STATUS_SUCCESS
      end
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end

    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      local status = Irp.IoStatus.Status
      if IoGetCurrentIrpStackLocation(Irp).MinorFunction ~= IRP_MN_WAIT_WAKE then
        status = STATUS_SUCCESS
      end
      PoStartNextPowerIrp(Irp)
      Irp.IoStatus.Status = status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end

    -- Not a WMI provider: its WMI IRPs go back untouched.
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = function(DeviceObject, Irp)
      local status = Irp.IoStatus.Status
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return status
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(BusPdo)
    end
    return STATUS_SUCCESS
  end,
}
