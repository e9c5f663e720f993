-- pnpref.sys: the reference pair's function driver, PnP- and power-aware.
-- Reads pend on a cancel-safe queue until a write brings data (buffered
-- I/O, up to 64 bytes); every request holds the remove lock until it
-- completes. START is handled on the way up (a completion routine and an
-- event) and enables the device interface; SURPRISE_REMOVAL and
-- REMOVE_DEVICE disable it and flush the queue; REMOVE_DEVICE waits for the
-- requests in flight (IoReleaseRemoveLockAndWait) before it passes the IRP
-- down, detaches and deletes. It is its stack's power policy owner: an
-- S-IRP SET_POWER goes down with a completion routine that requests the
-- matching D-IRP (PoRequestPowerIrp: D0 for S0, D3 for a sleeping state)
-- and completes the S-IRP from the D-IRP's callback.
-- DEVICE_EXTENSION (x64): Lower 0x0, Pdo 0x8, IO_REMOVE_LOCK 0x10, the
-- queue's LIST_ENTRY 0x30, KSPIN_LOCK 0x40, IO_CSQ 0x48, the interface's
-- UNICODE_STRING 0x88, ULONG Removed 0x98, ULONG DevicePower 0x9C, ULONG
-- DataLength 0xA0, UCHAR Data[64] 0xA4, PIRP PendingSIrp 0xE8.
local LOWER, PDO, LOCK, QUEUE, QLOCK, CSQ, LINK = 0x0, 0x8, 0x10, 0x30, 0x40, 0x48, 0x88
local REMOVED, DPOWER, LENGTH, DATA, SIRP, SIZE = 0x98, 0x9C, 0xA0, 0xA4, 0xE8, 0xF0
-- (the violating variants are the filter's: PnpFltVariant in drivers/pnpflt.lua)

local function Ext(Csq) return Csq - CSQ end

local function Complete(Irp, Status, Information)
  Irp.IoStatus.Status = Status
  Irp.IoStatus.Information = Information or 0
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
  return Status
end

-- The cancel-safe queue's callbacks.
local function InsertIrp(Csq, Irp)
  InsertTailList(Ext(Csq) + QUEUE, Irp.Tail.Overlay.ListEntry)
end
local function RemoveIrp(Csq, Irp)
  RemoveEntryList(Irp.Tail.Overlay.ListEntry)
end
local function PeekNextIrp(Csq, Irp, PeekContext)
  local head = LIST_ENTRY(Ext(Csq) + QUEUE)
  local entry = Irp == nil and head.Flink or Irp.Tail.Overlay.ListEntry.Flink
  if entry == head then return nil end
  return CONTAINING_RECORD(entry, IRP, "Tail.Overlay.ListEntry")
end
local function AcquireLock(Csq, Irql)
  Irql:set_u8(0, KeAcquireSpinLock(Ext(Csq) + QLOCK))
end
local function ReleaseLock(Csq, Irql)
  KeReleaseSpinLock(Ext(Csq) + QLOCK, Irql)
end
local function CompleteCanceledIrp(Csq, Irp)
  Complete(Irp, STATUS_CANCELLED)
  IoReleaseRemoveLock(Ext(Csq) + LOCK, Irp)
end

-- Completes every queued read (the device is going).
local function Flush(E, Status)
  local Irp = IoCsqRemoveNextIrp(E + CSQ, nil)
  while Irp ~= nil do
    Complete(Irp, Status)
    IoReleaseRemoveLock(E + LOCK, Irp)
    Irp = IoCsqRemoveNextIrp(E + CSQ, nil)
  end
end

local function Acquire(E, Irp)
  local status = IoAcquireRemoveLock(E + LOCK, Irp)
  if not NT_SUCCESS(status) then
    Complete(Irp, status)
  end
  return status
end

local function CreateClose(DeviceObject, Irp)
  local E = DeviceObject.DeviceExtension
  local status = Acquire(E, Irp)
  if not NT_SUCCESS(status) then return status end
  Complete(Irp, STATUS_SUCCESS)
  IoReleaseRemoveLock(E + LOCK, Irp)
  return STATUS_SUCCESS
end

local function Read(DeviceObject, Irp)
  local E = DeviceObject.DeviceExtension
  local status = Acquire(E, Irp)
  if not NT_SUCCESS(status) then return status end
  if E:u32(REMOVED) ~= 0 then
    Complete(Irp, STATUS_DELETE_PENDING)
    IoReleaseRemoveLock(E + LOCK, Irp)
    return STATUS_DELETE_PENDING
  end
  IoCsqInsertIrp(E + CSQ, Irp, nil) -- marks it pending; the lock stays held
  return STATUS_PENDING
end

local function Write(DeviceObject, Irp)
  local E = DeviceObject.DeviceExtension
  local status = Acquire(E, Irp)
  if not NT_SUCCESS(status) then return status end
  local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Write.Length
  if Length > 64 then
    Complete(Irp, STATUS_INVALID_BUFFER_SIZE)
    IoReleaseRemoveLock(E + LOCK, Irp)
    return STATUS_INVALID_BUFFER_SIZE
  end
  RtlCopyMemory(E + DATA, Irp.AssociatedIrp.SystemBuffer, Length)
  E:set_u32(LENGTH, Length)
  local Reader = IoCsqRemoveNextIrp(E + CSQ, nil)
  if Reader ~= nil then
    local Want = IoGetCurrentIrpStackLocation(Reader).Parameters.Read.Length
    local n = math.min(Want, Length)
    RtlCopyMemory(Reader.AssociatedIrp.SystemBuffer, E + DATA, n)
    Complete(Reader, STATUS_SUCCESS, n)
    IoReleaseRemoveLock(E + LOCK, Reader)
  end
  Complete(Irp, STATUS_SUCCESS, Length)
  IoReleaseRemoveLock(E + LOCK, Irp)
  return STATUS_SUCCESS
end

-- START on the way up: down first, then the device's own start.
local function ForwardAndWait(Lower, Irp)
  local Event = KEVENT()
  KeInitializeEvent(Event, NotificationEvent, false)
  IoCopyCurrentIrpStackLocationToNext(Irp)
  IoSetCompletionRoutine(Irp, function(DeviceObject, Irp, Context)
    KeSetEvent(Event, IO_NO_INCREMENT, false)
    return STATUS_MORE_PROCESSING_REQUIRED
  end, nil, true, true, true)
  local status = IoCallDriver(Lower, Irp)
  if status == STATUS_PENDING then
    KeWaitForSingleObject(Event, Executive, KernelMode, false, nil)
    status = Irp.IoStatus.Status
  end
  return status
end

local function Pnp(DeviceObject, Irp)
  local E = DeviceObject.DeviceExtension
  local Lower = E:ptr(LOWER)
  local Minor = IoGetCurrentIrpStackLocation(Irp).MinorFunction
  if Minor == IRP_MN_REMOVE_DEVICE then
    IoAcquireRemoveLock(E + LOCK, Irp)
    if E:u32(REMOVED) == 0 then
      E:set_u32(REMOVED, 1)
      IoSetDeviceInterfaceState(UNICODE_STRING(E + LINK), false)
    end
    Flush(E, STATUS_NO_SUCH_DEVICE)
    IoReleaseRemoveLockAndWait(E + LOCK, Irp)
    Irp.IoStatus.Status = STATUS_SUCCESS
    IoSkipCurrentIrpStackLocation(Irp)
    local status = IoCallDriver(Lower, Irp)
    RtlFreeUnicodeString(UNICODE_STRING(E + LINK))
    IoDetachDevice(Lower)
    IoDeleteDevice(DeviceObject)
    return status
  end
  local status = Acquire(E, Irp)
  if not NT_SUCCESS(status) then return status end
  if Minor == IRP_MN_START_DEVICE then
    status = ForwardAndWait(Lower, Irp)
    if NT_SUCCESS(status) then
      IoSetDeviceInterfaceState(UNICODE_STRING(E + LINK), true)
    end
    Complete(Irp, status)
    IoReleaseRemoveLock(E + LOCK, Irp)
    return status
  end
  if Minor == IRP_MN_SURPRISE_REMOVAL then
    E:set_u32(REMOVED, 1)
    IoSetDeviceInterfaceState(UNICODE_STRING(E + LINK), false)
    Flush(E, STATUS_NO_SUCH_DEVICE)
  end
  if Minor == IRP_MN_QUERY_REMOVE_DEVICE or Minor == IRP_MN_QUERY_STOP_DEVICE
      or Minor == IRP_MN_CANCEL_REMOVE_DEVICE or Minor == IRP_MN_CANCEL_STOP_DEVICE
      or Minor == IRP_MN_STOP_DEVICE or Minor == IRP_MN_SURPRISE_REMOVAL then
    Irp.IoStatus.Status = STATUS_SUCCESS
  end
  IoSkipCurrentIrpStackLocation(Irp)
  status = IoCallDriver(Lower, Irp)
  IoReleaseRemoveLock(E + LOCK, Irp)
  return status
end

-- Power: the D-IRP's callback completes the S-IRP that asked for it.
local function DIrpDone(DeviceObject, MinorFunction, PowerState, Context, IoStatus)
  local Fdo = DEVICE_OBJECT(Context)
  local E = Fdo.DeviceExtension
  local SIrp = IRP(E:ptr(SIRP))
  E:set_ptr(SIRP, nil)
  SIrp.IoStatus.Status = IoStatus.Status
  PoStartNextPowerIrp(SIrp)
  IoCompleteRequest(SIrp, IO_NO_INCREMENT)
  IoReleaseRemoveLock(E + LOCK, SIrp)
end

local function SIrpDone(DeviceObject, Irp, Context)
  local E = DeviceObject.DeviceExtension
  local Stack = IoGetCurrentIrpStackLocation(Irp)
  if not NT_SUCCESS(Irp.IoStatus.Status) then
    PoStartNextPowerIrp(Irp)
    IoReleaseRemoveLock(E + LOCK, Irp)
    return STATUS_CONTINUE_COMPLETION
  end
  local S = E:u32(0xEC)
  local D = S == PowerSystemWorking and PowerDeviceD0 or PowerDeviceD3
  E:set_ptr(SIRP, Irp)
  local status = PoRequestPowerIrp(E:ptr(PDO), IRP_MN_SET_POWER, D, DIrpDone, DeviceObject, nil)
  if status ~= STATUS_PENDING then
    E:set_ptr(SIRP, nil)
    PoStartNextPowerIrp(Irp)
    Irp.IoStatus.Status = status
    IoReleaseRemoveLock(E + LOCK, Irp)
    return STATUS_CONTINUE_COMPLETION
  end
  return STATUS_MORE_PROCESSING_REQUIRED
end

local function Power(DeviceObject, Irp)
  local E = DeviceObject.DeviceExtension
  local Stack = IoGetCurrentIrpStackLocation(Irp)
  local status = IoAcquireRemoveLock(E + LOCK, Irp)
  if not NT_SUCCESS(status) then
    PoStartNextPowerIrp(Irp)
    return Complete(Irp, status)
  end
  local Power = Stack.Parameters.Power
  if Stack.MinorFunction == IRP_MN_SET_POWER and Power.Type == SystemPowerState then
    -- The S-IRP pends until its D-IRP is done.
    E:set_u32(0xEC, Power.State.SystemState)
    IoMarkIrpPending(Irp)
    IoCopyCurrentIrpStackLocationToNext(Irp)
    IoSetCompletionRoutine(Irp, SIrpDone, nil, true, true, true)
    PoCallDriver(E:ptr(LOWER), Irp)
    return STATUS_PENDING
  end
  if Stack.MinorFunction == IRP_MN_SET_POWER and Power.Type == DevicePowerState then
    E:set_u32(DPOWER, Power.State.DeviceState)
    PoSetPowerState(DeviceObject, DevicePowerState, Power.State.DeviceState)
  end
  if Stack.MinorFunction == IRP_MN_SET_POWER or Stack.MinorFunction == IRP_MN_QUERY_POWER then
    Irp.IoStatus.Status = STATUS_SUCCESS
  end
  PoStartNextPowerIrp(Irp)
  IoSkipCurrentIrpStackLocation(Irp)
  status = PoCallDriver(E:ptr(LOWER), Irp)
  IoReleaseRemoveLock(E + LOCK, Irp)
  return status
end

local function PassDown(DeviceObject, Irp)
  local E = DeviceObject.DeviceExtension
  local status = Acquire(E, Irp)
  if not NT_SUCCESS(status) then return status end
  IoSkipCurrentIrpStackLocation(Irp)
  status = IoCallDriver(E:ptr(LOWER), Irp)
  IoReleaseRemoveLock(E + LOCK, Irp)
  return status
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local Interface = GUID "{5F6F7A10-1E2D-4C3B-8A49-0B1C2D3E4F50}"
    DriverObject.MajorFunction[IRP_MJ_CREATE] = CreateClose
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = CreateClose
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = CreateClose
    DriverObject.MajorFunction[IRP_MJ_READ] = Read
    DriverObject.MajorFunction[IRP_MJ_WRITE] = Write
    DriverObject.MajorFunction[IRP_MJ_PNP] = Pnp
    DriverObject.MajorFunction[IRP_MJ_POWER] = Power
    DriverObject.MajorFunction[IRP_MJ_SYSTEM_CONTROL] = PassDown
    DriverObject.DriverExtension.AddDevice = function(DriverObject, Pdo)
      local status, Fdo = IoCreateDevice(DriverObject, SIZE, nil, FILE_DEVICE_UNKNOWN,
                                         FILE_DEVICE_SECURE_OPEN, false)
      if status ~= STATUS_SUCCESS then return status end
      local E = Fdo.DeviceExtension
      IoInitializeRemoveLock(E + LOCK, "PRef", 0, 0)
      InitializeListHead(E + QUEUE)
      KeInitializeSpinLock(E + QLOCK)
      IoCsqInitialize(E + CSQ, InsertIrp, RemoveIrp, PeekNextIrp, AcquireLock, ReleaseLock,
                      CompleteCanceledIrp)
      status = IoRegisterDeviceInterface(Pdo, Interface, nil, UNICODE_STRING(E + LINK))
      if not NT_SUCCESS(status) then
        IoDeleteDevice(Fdo)
        return status
      end
      local Lower = IoAttachDeviceToDeviceStack(Fdo, Pdo)
      if Lower == nil then
        RtlFreeUnicodeString(UNICODE_STRING(E + LINK))
        IoDeleteDevice(Fdo)
        return STATUS_NO_SUCH_DEVICE
      end
      E:set_ptr(LOWER, Lower)
      E:set_ptr(PDO, Pdo)
      E:set_u32(DPOWER, PowerDeviceD0)
      Fdo.Flags = Fdo.Flags | DO_BUFFERED_IO | DO_POWER_PAGABLE
      Fdo.Flags = Fdo.Flags & ~DO_DEVICE_INITIALIZING
      return STATUS_SUCCESS
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}
