-- cancel.sys: Microsoft's cancel sample (Windows-driver-samples,
-- general/cancel/startio/cancel.c), transliterated with its cancel-safe
-- queue written out as the sample's Csamp*Irp callbacks do it, since drvsim
-- does not simulate IoCsq*: pending reads wait on the device extension's
-- list, linked through Irp->Tail.Overlay.ListEntry, and come back as IRPs
-- through CONTAINING_RECORD; a cancel routine (IoSetCancelRoutine) takes a
-- cancelled one out. A polling timer DPC completes the current read and
-- starts the next. Two devices, so that DriverUnload's walk of
-- DriverObject->DeviceObject / NextDevice, the sample's own, visits a list.
--
-- DEVICE_EXTENSION (x64): LIST_ENTRY PendingIrpQueue at 0, KSPIN_LOCK
-- QueueLock at 0x10, PIRP CurrentIrp at 0x18, KDPC PollingDpc at 0x20,
-- KTIMER PollingTimer at 0x60; 0xA0 bytes.
local QUEUE, QUEUE_LOCK, CURRENT_IRP, POLLING_DPC, POLLING_TIMER = 0x0, 0x10, 0x18, 0x20, 0x60
local EXTENSION_SIZE = 0xA0
local RETRY_INTERVAL = -10 * 500 * 1000 -- CSAMP_RETRY_INTERVAL: 500 ms, relative

local function Extension(DeviceObject)
  return DeviceObject.DeviceExtension
end

-- CsampPollingTimerDpc's device read: completes the current IRP with its
-- data, then starts the next queued one (CsampInitiateIo).
local function InitiateIo(DeviceObject)
  local ext = Extension(DeviceObject)
  local irql = KeAcquireSpinLock(ext + QUEUE_LOCK)
  local irp = IRP(ext:ptr(CURRENT_IRP))
  -- IoCsqRemoveNextIrp by hand: the head of the queue whose cancel routine
  -- is still set; one being cancelled is left to its cancel routine.
  local nextIrp = nil
  while not IsListEmpty(LIST_ENTRY(ext + QUEUE)) do
    local entry = RemoveHeadList(ext + QUEUE)
    local candidate = CONTAINING_RECORD(entry, IRP, "Tail.Overlay.ListEntry")
    if IoSetCancelRoutine(candidate, nil) ~= nil then
      nextIrp = candidate
      break
    end
    InitializeListHead(entry) -- its cancel routine's RemoveEntryList finds it alone
  end
  ext:set_ptr(CURRENT_IRP, nextIrp)
  KeReleaseSpinLock(ext + QUEUE_LOCK, irql)
  if irp ~= nil then
    irp.AssociatedIrp.SystemBuffer:set_u32(0, 1) -- INPUT_DATA.Data
    irp.IoStatus.Status = STATUS_SUCCESS
    irp.IoStatus.Information = 4
    IoCompleteRequest(irp, IO_NO_INCREMENT)
  end
  if nextIrp ~= nil then
    KeSetTimer(ext + POLLING_TIMER, RETRY_INTERVAL, ext + POLLING_DPC)
  end
end

local function PollingTimerDpc(Dpc, Context, SystemArgument1, SystemArgument2)
  InitiateIo(DEVICE_OBJECT(Context)) -- deviceObject = (PDEVICE_OBJECT)Context
end

-- The queue's cancel routine: called with the cancel spin lock held.
local function CancelRoutine(DeviceObject, Irp)
  IoReleaseCancelSpinLock(Irp.CancelIrql)
  local ext = Extension(DeviceObject)
  local irql = KeAcquireSpinLock(ext + QUEUE_LOCK)
  RemoveEntryList(Irp.Tail.Overlay.ListEntry)
  KeReleaseSpinLock(ext + QUEUE_LOCK, irql)
  Irp.IoStatus.Status = STATUS_CANCELLED
  Irp.IoStatus.Information = 0
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
end

local function CompleteRequest(Irp, status)
  Irp.IoStatus.Status = status
  Irp.IoStatus.Information = 0
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
  return status
end

local function CreateClose(DeviceObject, Irp)
  return CompleteRequest(Irp, STATUS_SUCCESS)
end

local function Read(DeviceObject, Irp)
  local stack = IoGetCurrentIrpStackLocation(Irp)
  if stack.Parameters.Read.Length < 4 then -- sizeof(INPUT_DATA)
    return CompleteRequest(Irp, STATUS_BUFFER_TOO_SMALL)
  end
  local ext = Extension(DeviceObject)
  local irql = KeAcquireSpinLock(ext + QUEUE_LOCK)
  IoMarkIrpPending(Irp)
  if ext:ptr(CURRENT_IRP) == nil then
    -- The device is idle: this IRP is the current one; poll it.
    ext:set_ptr(CURRENT_IRP, Irp)
    KeReleaseSpinLock(ext + QUEUE_LOCK, irql)
    KeSetTimer(ext + POLLING_TIMER, RETRY_INTERVAL, ext + POLLING_DPC)
    return STATUS_PENDING
  end
  -- CsampInsertIrp, with the cancel-safe queue's race handled by hand.
  IoSetCancelRoutine(Irp, CancelRoutine)
  if Irp.Cancel ~= 0 and IoSetCancelRoutine(Irp, nil) ~= nil then
    KeReleaseSpinLock(ext + QUEUE_LOCK, irql)
    CompleteRequest(Irp, STATUS_CANCELLED)
    return STATUS_PENDING
  end
  InsertTailList(ext + QUEUE, Irp.Tail.Overlay.ListEntry)
  KeReleaseSpinLock(ext + QUEUE_LOCK, irql)
  return STATUS_PENDING
end

-- CsampCleanup: cancels the queued IRPs of the closing file object, found
-- by walking the queue (CsampPeekNextIrp's loop).
local function Cleanup(DeviceObject, Irp)
  local fileObject = IoGetCurrentIrpStackLocation(Irp).FileObject
  local ext = Extension(DeviceObject)
  local head = LIST_ENTRY(ext + QUEUE)
  local cancelled = {}
  local irql = KeAcquireSpinLock(ext + QUEUE_LOCK)
  local entry = head.Flink
  while entry ~= head do
    local nextEntry = entry.Flink
    local queued = CONTAINING_RECORD(entry, IRP, "Tail.Overlay.ListEntry")
    if IoGetCurrentIrpStackLocation(queued).FileObject == fileObject and
        IoSetCancelRoutine(queued, nil) ~= nil then
      RemoveEntryList(entry)
      cancelled[#cancelled + 1] = queued
    end
    entry = nextEntry
  end
  KeReleaseSpinLock(ext + QUEUE_LOCK, irql)
  for _, queued in ipairs(cancelled) do
    CompleteRequest(queued, STATUS_CANCELLED)
  end
  return CompleteRequest(Irp, STATUS_SUCCESS)
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    for i = 0, 1 do
      local status, deviceObject = IoCreateDevice(DriverObject, EXTENSION_SIZE,
                                                  "\\Device\\CANCELSAMP" .. i, FILE_DEVICE_UNKNOWN,
                                                  FILE_DEVICE_SECURE_OPEN, false)
      if not NT_SUCCESS(status) then
        return status
      end
      status = IoCreateSymbolicLink("\\DosDevices\\CancelSamp" .. i, "\\Device\\CANCELSAMP" .. i)
      if not NT_SUCCESS(status) then
        IoDeleteDevice(deviceObject)
        return status
      end
      local ext = Extension(deviceObject)
      KeInitializeSpinLock(ext + QUEUE_LOCK)
      KeInitializeDpc(ext + POLLING_DPC, PollingTimerDpc, deviceObject)
      KeInitializeTimer(ext + POLLING_TIMER)
      InitializeListHead(ext + QUEUE)
      deviceObject.Flags = (deviceObject.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = CreateClose
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = CreateClose
    DriverObject.MajorFunction[IRP_MJ_READ] = Read
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = Cleanup
    -- CsampUnload: every device of the driver, as C walks them.
    DriverObject.DriverUnload = function(DriverObject)
      local deviceObject = DriverObject.DeviceObject
      local i = 1
      while deviceObject do
        local nextDevice = deviceObject.NextDevice
        local ext = Extension(deviceObject)
        KeCancelTimer(ext + POLLING_TIMER)
        ASSERT(IsListEmpty(ext + QUEUE) and ext:ptr(CURRENT_IRP) == nil)
        IoDeleteSymbolicLink("\\DosDevices\\CancelSamp" .. i) -- newest device first
        IoDeleteDevice(deviceObject)
        deviceObject = nextDevice
        i = i - 1
      end
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}
