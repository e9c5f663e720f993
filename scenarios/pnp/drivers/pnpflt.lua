-- pnpflt.sys: the reference pair's lower filter. It passes every request
-- down unchanged (IoSkipCurrentIrpStackLocation), holding its remove lock
-- across each call; power IRPs go down with PoStartNextPowerIrp and
-- PoCallDriver; at IRP_MN_REMOVE_DEVICE it waits for the requests in
-- flight (IoReleaseRemoveLockAndWait), passes the IRP down, detaches and
-- deletes its device. PnpFltVariant = "release_twice" makes its
-- IRP_MN_QUERY_CAPABILITIES path release the remove lock twice.
-- DEVICE_EXTENSION: PDEVICE_OBJECT Lower at 0, IO_REMOVE_LOCK at 8.
local LOWER, LOCK, SIZE = 0, 8, 0x28
local variant = PnpFltVariant or "clean"

local function PassDown(DeviceObject, Irp)
  local E = DeviceObject.DeviceExtension
  local status = IoAcquireRemoveLock(E + LOCK, Irp)
  if not NT_SUCCESS(status) then
    Irp.IoStatus.Status = status
    IoCompleteRequest(Irp, IO_NO_INCREMENT)
    return status
  end
  local Stack = IoGetCurrentIrpStackLocation(Irp)
  local caps = Stack.MajorFunction == IRP_MJ_PNP and
               Stack.MinorFunction == IRP_MN_QUERY_CAPABILITIES
  IoSkipCurrentIrpStackLocation(Irp)
  status = IoCallDriver(E:ptr(LOWER), Irp)
  IoReleaseRemoveLock(E + LOCK, Irp)
  if variant == "release_twice" and caps then
    IoReleaseRemoveLock(E + LOCK, Irp) -- BUG: released once too often
  end
  return status
end

local function Power(DeviceObject, Irp)
  local E = DeviceObject.DeviceExtension
  local status = IoAcquireRemoveLock(E + LOCK, Irp)
  if not NT_SUCCESS(status) then
    PoStartNextPowerIrp(Irp)
    Irp.IoStatus.Status = status
    IoCompleteRequest(Irp, IO_NO_INCREMENT)
    return status
  end
  PoStartNextPowerIrp(Irp)
  IoSkipCurrentIrpStackLocation(Irp)
  status = PoCallDriver(E:ptr(LOWER), Irp)
  IoReleaseRemoveLock(E + LOCK, Irp)
  return status
end

local function Pnp(DeviceObject, Irp)
  local E = DeviceObject.DeviceExtension
  if IoGetCurrentIrpStackLocation(Irp).MinorFunction ~= IRP_MN_REMOVE_DEVICE then
    return PassDown(DeviceObject, Irp)
  end
  local Lower = E:ptr(LOWER)
  IoAcquireRemoveLock(E + LOCK, Irp)
  IoReleaseRemoveLockAndWait(E + LOCK, Irp)
  IoSkipCurrentIrpStackLocation(Irp)
  local status = IoCallDriver(Lower, Irp)
  IoDetachDevice(Lower)
  IoDeleteDevice(DeviceObject)
  return status
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    for mj = 0, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[mj] = PassDown
    end
    DriverObject.MajorFunction[IRP_MJ_POWER] = Power
    DriverObject.MajorFunction[IRP_MJ_PNP] = Pnp
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, SIZE, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      local E = Fdo.DeviceExtension
      IoInitializeRemoveLock(E + LOCK, "PFlt", 0, 0)
      local Lower = IoAttachDeviceToDeviceStack(Fdo, Pdo)
      if Lower == nil then
        IoDeleteDevice(Fdo)
        return STATUS_NO_SUCH_DEVICE
      end
      E:set_ptr(LOWER, Lower)
      -- A filter copies the flags of the device below it.
      Fdo.Flags = Fdo.Flags | (Lower.Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE))
      Fdo.Flags = Fdo.Flags & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}
