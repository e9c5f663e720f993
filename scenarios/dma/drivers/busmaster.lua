-- busmaster.sys: the function driver of a PCI bus-master device, with its
-- DMA in one of three ways (BusMasterMode):
--   "packet" (default)  AllocateAdapterChannel; the ExecutionRoutine maps the
--                       request's MDL (MapTransfer), programs the device and
--                       returns DeallocateObjectKeepRegisters; the DPC flushes
--                       (FlushAdapterBuffers) and frees the map registers
--   "sg"                GetScatterGatherList; the list control routine programs
--                       the device with the list; the DPC puts it
--   "common"            a common buffer allocated at START: a write is copied
--                       into it before the device reads it, a read copied out
--                       of it once the device wrote it
-- Direct I/O: IRP_MJ_WRITE sends the bytes to the device, IRP_MJ_READ takes
-- what the device produces. One request at a time (a second one while the
-- device is busy gets STATUS_DEVICE_BUSY). The device is the harness' (see
-- DeviceService below): it reads DeviceRegisters, the registers the driver
-- programmed, moves the bytes at the logical addresses given, and raises the
-- device's interrupt; the ISR queues the DPC that completes the request.
--
-- BusMasterVariant picks a classic bug (the clean driver without one):
--   "freed_while_mapped"   packet DPC frees the map registers before flushing
--                          (a read's bytes never reach the buffer): 0xE6/0x10
--   "leak_map_registers"   packet DPC never frees the map registers: PutDmaAdapter
--                          at removal finds them, 0xE6/0x09
--   "past_mapped_length"   packet read programs the device with 16 bytes more than
--                          it mapped: the device writes past the mapping, found at
--                          the flush, 0xE6/0x0F P2 5
--   "missing_flush"        packet ExecutionRoutine keeps the channel (KeepObject)
--                          and the DPC frees it without FlushAdapterBuffers:
--                          0xE6/0x0D
local Mode = BusMasterMode or "packet"
local Variant = BusMasterVariant or "clean"
local DEVICE_IRQL = 5
local COMMON_BYTES = 0x1000

-- The device's registers as the driver last programmed them.
DeviceRegisters = { Elements = {}, ToDevice = false, Busy = false }

local Dev = {} -- the device extension (one device)

local function Complete(Irp, Status, Information)
  Irp.IoStatus.Status = Status
  Irp.IoStatus.Information = Information or 0
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
  return Status
end

-- Programming the device is a register write (WRITE_REGISTER_ULONG), a full
-- fence on x86 and x64: what the driver stored before it is visible to the
-- ISR and DPC the device's interrupt runs (KeMemoryBarrier stands for it,
-- and the ISR's read of the device's status register for the other side).
local function Program(Elements, ToDevice)
  KeMemoryBarrier()
  DeviceRegisters.Elements = Elements
  DeviceRegisters.ToDevice = ToDevice
  DeviceRegisters.Busy = true
end

-- The DPC: the device interrupted, its transfer is done.
local function DpcForIsr(Dpc, Context, Arg1, Arg2)
  local Irp = Dev.Irp
  if Irp == nil then return end
  Dev.Irp = nil
  local Length = Dev.Record:u32(0)
  ExFreePoolWithTag(Dev.Record, "BmTx")
  if Mode == "packet" then
    local Va = MmGetMdlVirtualAddress(Irp.MdlAddress)
    if Variant == "missing_flush" then
      -- BUG: the channel (kept by KeepObject) goes without FlushAdapterBuffers.
      Dev.Ops.FreeAdapterChannel(Dev.Adapter)
    elseif Variant == "freed_while_mapped" then
      -- BUG: the map registers go before the flush.
      Dev.Ops.FreeMapRegisters(Dev.Adapter, Dev.Base, Dev.Registers)
      Dev.Ops.FlushAdapterBuffers(Dev.Adapter, Irp.MdlAddress, Dev.Base, Va, Length, Dev.ToDevice)
    else
      Dev.Ops.FlushAdapterBuffers(Dev.Adapter, Irp.MdlAddress, Dev.Base, Va, Length, Dev.ToDevice)
      if Variant ~= "leak_map_registers" then
        Dev.Ops.FreeMapRegisters(Dev.Adapter, Dev.Base, Dev.Registers)
      end
    end
  elseif Mode == "sg" then
    Dev.Ops.PutScatterGatherList(Dev.Adapter, Dev.List, Dev.ToDevice)
  else
    if not Dev.ToDevice then
      local To = MmGetSystemAddressForMdlSafe(Irp.MdlAddress, NormalPagePriority)
      if To == nil then
        Complete(Irp, STATUS_INSUFFICIENT_RESOURCES)
        return
      end
      RtlCopyMemory(To, Dev.Common, Length)
    end
  end
  Complete(Irp, STATUS_SUCCESS, Length)
end

local function Isr(Interrupt, ServiceContext)
  if not DeviceRegisters.Busy then return false end
  DeviceRegisters.Busy = false
  KeMemoryBarrier()
  KeInsertQueueDpc(Dev.Dpc, nil, nil)
  return true
end

-- Packet DMA: the channel is ours; map the whole request.
-- (Irp is DeviceObject->CurrentIrp, NULL without StartIo: the request is Dev.Irp.)
local function AdapterControl(DeviceObject, CurrentIrp, MapRegisterBase, Context)
  local Irp = Dev.Irp
  local Va = MmGetMdlVirtualAddress(Irp.MdlAddress)
  Dev.Base = MapRegisterBase
  Dev.LengthCell:set_u32(0, Dev.Length)
  local Logical = Dev.Ops.MapTransfer(Dev.Adapter, Irp.MdlAddress, MapRegisterBase, Va,
                                      Dev.LengthCell, Dev.ToDevice)
  local Programmed = Dev.Length
  if Variant == "past_mapped_length" and not Dev.ToDevice then
    Programmed = Programmed + 16 -- BUG: the device is told 16 bytes more than was mapped
  end
  Program({ { Logical, Programmed } }, Dev.ToDevice)
  if Variant == "missing_flush" then
    return KeepObject -- the DPC frees the channel (and, in the bug, forgets the flush)
  end
  return DeallocateObjectKeepRegisters
end

local function ListControl(DeviceObject, CurrentIrp, Sgl, Context)
  Dev.List = Sgl
  local Elements = {}
  local Size = sizeof(SCATTER_GATHER_ELEMENT)
  for i = 0, Sgl.NumberOfElements - 1 do
    local E = SCATTER_GATHER_ELEMENT(Sgl.Elements + i * Size)
    Elements[#Elements + 1] = { E.Address, E.Length }
  end
  Program(Elements, Dev.ToDevice)
end

local function StartTransfer(Irp, ToDevice)
  local Stack = IoGetCurrentIrpStackLocation(Irp)
  local Length = ToDevice and Stack.Parameters.Write.Length or Stack.Parameters.Read.Length
  if Dev.Irp ~= nil or DeviceRegisters.Busy then
    return Complete(Irp, STATUS_DEVICE_BUSY)
  end
  if Length == 0 or Length > Dev.MaximumLength or Irp.MdlAddress == nil then
    return Complete(Irp, STATUS_INVALID_PARAMETER)
  end
  -- The transfer's record (what a real driver keeps for its DPC and for
  -- error logging): pool, which low resources simulation may refuse.
  local Record = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, "BmTx")
  if Record == nil then
    return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES)
  end
  Record:set_u32(0, Length)
  Dev.Record = Record
  Dev.Irp, Dev.Length, Dev.ToDevice = Irp, Length, ToDevice
  IoMarkIrpPending(Irp)
  local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
  local status = STATUS_SUCCESS
  if Mode == "packet" then
    Dev.Registers = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(Irp.MdlAddress), Length)
    status = Dev.Ops.AllocateAdapterChannel(Dev.Adapter, Dev.Fdo, Dev.Registers, AdapterControl, nil)
  elseif Mode == "sg" then
    status = Dev.Ops.GetScatterGatherList(Dev.Adapter, Dev.Fdo, Irp.MdlAddress,
                                          MmGetMdlVirtualAddress(Irp.MdlAddress), Length,
                                          ListControl, nil, ToDevice)
  else
    if ToDevice then
      local From = MmGetSystemAddressForMdlSafe(Irp.MdlAddress, NormalPagePriority)
      if From == nil then
        status = STATUS_INSUFFICIENT_RESOURCES
      else
        RtlCopyMemory(Dev.Common, From, Length)
      end
    end
    if status == STATUS_SUCCESS then
      Program({ { Dev.CommonLogical, Length } }, ToDevice)
    end
  end
  KeLowerIrql(OldIrql)
  if status ~= STATUS_SUCCESS then
    Dev.Irp = nil
    ExFreePoolWithTag(Dev.Record, "BmTx")
    Complete(Irp, status)
  end
  return STATUS_PENDING
end

local function StartDevice()
  local Desc = DEVICE_DESCRIPTION()
  Desc.Version = DEVICE_DESCRIPTION_VERSION3
  Desc.Master = 1
  Desc.ScatterGather = Mode == "sg" and 1 or 0
  Desc.Dma32BitAddresses = 1
  Desc.InterfaceType = PCIBus
  Desc.MaximumLength = 0x2000
  local Adapter, MapRegisters = IoGetDmaAdapter(Dev.Pdo, Desc)
  if Adapter == nil then return STATUS_INSUFFICIENT_RESOURCES end
  Dev.Adapter, Dev.Ops = Adapter, Adapter.DmaOperations
  Dev.MaximumLength = (MapRegisters - 1) * PAGE_SIZE
  if Mode == "common" then
    Dev.Common, Dev.CommonLogical = Dev.Ops.AllocateCommonBuffer(Adapter, COMMON_BYTES, false)
    if Dev.Common == nil then
      Dev.Ops.PutDmaAdapter(Adapter)
      Dev.Adapter = nil
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Dev.MaximumLength = COMMON_BYTES
  end
  local status
  status, Dev.Interrupt = IoConnectInterrupt(Isr, nil, nil, 0x35, DEVICE_IRQL, DEVICE_IRQL,
                                             LevelSensitive, true, 0x1, false)
  if status ~= STATUS_SUCCESS then
    if Dev.Common then
      Dev.Ops.FreeCommonBuffer(Adapter, COMMON_BYTES, Dev.CommonLogical, Dev.Common, false)
      Dev.Common = nil
    end
    Dev.Ops.PutDmaAdapter(Adapter)
    Dev.Adapter = nil
    return status
  end
  DeviceInterrupt = Dev.Interrupt
  return STATUS_SUCCESS
end

local function StopDevice()
  if Dev.Interrupt then
    IoDisconnectInterrupt(Dev.Interrupt)
    Dev.Interrupt, DeviceInterrupt = nil, nil
  end
  if Dev.Adapter then
    if Dev.Common then
      Dev.Ops.FreeCommonBuffer(Dev.Adapter, COMMON_BYTES, Dev.CommonLogical, Dev.Common, false)
      Dev.Common = nil
    end
    Dev.Ops.PutDmaAdapter(Dev.Adapter)
    Dev.Adapter = nil
  end
end

-- The device, played by harness code: after a simulated millisecond it
-- moves the bytes of the transfer the driver programmed (reading them for a
-- write; for a read writing Data, or its own pattern, into each element) and
-- raises its interrupt. Returns what it read.
function DeviceService(Data)
  Sleep "1ms"
  local R = DeviceRegisters
  assert(R.Busy, "the driver programmed no transfer")
  local Got, At, Total = {}, 1, 0
  for _, E in ipairs(R.Elements) do Total = Total + E[2] end
  local Pattern = Data or string.rep("device data ", 1 + Total // 12)
  for _, E in ipairs(R.Elements) do
    if R.ToDevice then
      Got[#Got + 1] = DeviceDmaRead(E[1], E[2])
    else
      DeviceDmaWrite(E[1], Pattern:sub(At, At + E[2] - 1))
      At = At + E[2]
    end
  end
  Interrupt(DeviceInterrupt)
  return table.concat(Got)
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS)
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_WRITE] = function(DeviceObject, Irp)
      if Dev.Adapter == nil then return Complete(Irp, STATUS_DEVICE_NOT_READY) end
      return StartTransfer(Irp, true)
    end
    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      if Dev.Adapter == nil then return Complete(Irp, STATUS_DEVICE_NOT_READY) end
      return StartTransfer(Irp, false)
    end
    DriverObject.MajorFunction[IRP_MJ_POWER] = function(DeviceObject, Irp)
      PoStartNextPowerIrp(Irp)
      IoSkipCurrentIrpStackLocation(Irp)
      return PoCallDriver(Dev.Lower, Irp)
    end
    DriverObject.MajorFunction[IRP_MJ_PNP] = function(DeviceObject, Irp)
      local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
      if Minor == IRP_MN_START_DEVICE then
        -- On the way up: the bus driver starts the device first.
        local Event = KEVENT()
        KeInitializeEvent(Event, NotificationEvent, false)
        IoCopyCurrentIrpStackLocationToNext(Irp)
        IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
          KeSetEvent(Event, IO_NO_INCREMENT, false)
          return STATUS_MORE_PROCESSING_REQUIRED
        end, nil, true, true, true)
        local status = IoCallDriver(Dev.Lower, Irp)
        if status == STATUS_PENDING then
          KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
        end
        status = Irp.IoStatus.Status
        if NT_SUCCESS(status) then status = StartDevice() end
        return Complete(Irp, status)
      end
      if Minor == IRP_MN_REMOVE_DEVICE or Minor == IRP_MN_STOP_DEVICE or
         Minor == IRP_MN_SURPRISE_REMOVAL then
        StopDevice()
      end
      if Minor == IRP_MN_QUERY_REMOVE_DEVICE or Minor == IRP_MN_REMOVE_DEVICE or
         Minor == IRP_MN_CANCEL_REMOVE_DEVICE or Minor == IRP_MN_STOP_DEVICE or
         Minor == IRP_MN_QUERY_STOP_DEVICE or Minor == IRP_MN_CANCEL_STOP_DEVICE or
         Minor == IRP_MN_SURPRISE_REMOVAL then
        Irp.IoStatus.Status = STATUS_SUCCESS
      end
      IoSkipCurrentIrpStackLocation(Irp)
      local status = IoCallDriver(Dev.Lower, Irp)
      if Minor == IRP_MN_REMOVE_DEVICE then
        IoDetachDevice(Dev.Lower)
        IoDeleteDevice(DeviceObject)
      end
      return status
    end
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, 0, "\\Device\\BusMaster",
                                         FILE_DEVICE_UNKNOWN, 0, false)
      if status ~= STATUS_SUCCESS then return status end
      Dev.Fdo, Dev.Pdo = Fdo, Pdo
      Dev.Lower = IoAttachDeviceToDeviceStack(Fdo, Pdo)
      Dev.Dpc = KDPC()
      KeInitializeDpc(Dev.Dpc, DpcForIsr, nil)
      Dev.LengthCell = LONG()
      Fdo.Flags = (Fdo.Flags | DO_DIRECT_IO | DO_POWER_PAGABLE) & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}
