-- dmadev.sys: a bus-master device's function driver reduced to what the DMA
-- rule scenarios need. AddDevice creates and attaches its FDO, then runs the
-- scenario's DmaTest(Pdo, Fdo) at PASSIVE_LEVEL: the scenario's DMA code,
-- as the driver's start path would run it. Every PnP IRP goes down.
-- Helpers the scenarios share (driver code, called from DmaTest):
--   GetAdapter(Pdo[, MaximumLength[, Version]]) -> Adapter, Ops, MapRegisters:
--     IoGetDmaAdapter for a 32-bit scatter/gather bus master on PCI
--   NonPagedBuffer(Size[, Text]) -> Buffer, Mdl: nonpaged pool and its MDL
--     (MmBuildMdlForNonPagedPool), Text written at its start
--   AtDispatch(f): runs f() at DISPATCH_LEVEL

function GetAdapter(Pdo, MaximumLength, Version)
  local Desc = DEVICE_DESCRIPTION()
  Desc.Version = Version or DEVICE_DESCRIPTION_VERSION
  Desc.Master = 1
  Desc.ScatterGather = 1
  Desc.Dma32BitAddresses = 1
  Desc.InterfaceType = PCIBus
  Desc.MaximumLength = MaximumLength or 0x2000
  local Adapter, MapRegisters = IoGetDmaAdapter(Pdo, Desc)
  return Adapter, Adapter and Adapter.DmaOperations, MapRegisters
end

function NonPagedBuffer(Size, Text)
  local Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, Size, "DmaB")
  if Text then Buffer:write(0, Text) end
  local Mdl = IoAllocateMdl(Buffer, Size, false, false, nil)
  MmBuildMdlForNonPagedPool(Mdl)
  return Buffer, Mdl
end

function AtDispatch(f)
  local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
  f()
  KeLowerIrql(OldIrql)
end
local function PassDown(DeviceObject, Irp)
  IoSkipCurrentIrpStackLocation(Irp)
  return IoCallDriver(DeviceObject.DeviceExtension:ptr(0), Irp)
end

-- The PnP IRPs a function driver must succeed before passing them down.
local Required = {
  [IRP_MN_START_DEVICE] = true, [IRP_MN_QUERY_REMOVE_DEVICE] = true,
  [IRP_MN_REMOVE_DEVICE] = true, [IRP_MN_CANCEL_REMOVE_DEVICE] = true,
  [IRP_MN_STOP_DEVICE] = true, [IRP_MN_QUERY_STOP_DEVICE] = true,
  [IRP_MN_CANCEL_STOP_DEVICE] = true, [IRP_MN_SURPRISE_REMOVAL] = true,
}

return {
  DriverEntry = function(DriverObject, RegistryPath)
    for mj = 0, IRP_MJ_MAXIMUM_FUNCTION do
      DriverObject.MajorFunction[mj] = PassDown
    end
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Lower = DeviceObject.DeviceExtension:ptr(0)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Required[Minor] then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      IoSkipCurrentIrpStackLocation(Irp)
      local status = IoCallDriver(Lower, Irp)
      if Minor == IRP_MN_REMOVE_DEVICE then
        IoDetachDevice(Lower)
        IoDeleteDevice(DeviceObject)
      end
      return status
    end
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, 8, nil, FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      Fdo.DeviceExtension:set_ptr(0, IoAttachDeviceToDeviceStack(Fdo, Pdo))
      Fdo.Flags = (Fdo.Flags | DO_POWER_PAGABLE) & ~DO_DEVICE_INITIALIZING
      DmaTest(Pdo, Fdo)
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}
