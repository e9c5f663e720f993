-- startio.sys: Microsoft's cancel-safe queue sample with a start-I/O style
-- current request (Windows-driver-samples, general/cancel/startio/cancel.c),
-- transliterated. Its queue is initialised with IoCsqInitializeEx, and its
-- CsampInsertIrp (an IO_CSQ_INSERT_IRP_EX) refuses the IRP when the device
-- is idle, making it the device's CurrentIrp instead: IoCsqInsertIrpEx then
-- returns that failure, and CsampRead marks the IRP pending and starts the
-- I/O itself. A polling timer DPC retries the current read until the device
-- has its data, completes it, and takes the next one with
-- IoCsqRemoveNextIrp (CsampPeekNextIrp makes it the CurrentIrp). Reads
-- queued behind the current one are cancel-safe (IopCsqCancelRoutine);
-- IRP_MJ_CLEANUP runs the handle's remove lock down and cancels the
-- handle's queued reads.
--
-- Where the sample calls a routine drvsim does not have yet:
-- IoCreateDeviceSecure is IoCreateDevice; ExAllocatePoolQuotaZero is
-- ExAllocatePoolWithQuotaTag, zeroed; ExInitializeDriverRuntime is left out.
--
-- The variant knob (StartioVariant, set by the scenario before loading):
--   "complete_queued"  CsampCleanup takes the handle's queued reads off the
--                      list itself and completes them, where the sample
--                      uses IoCsqRemoveNextIrp: their cancel routine (the
--                      queue's) is still set

-- DEVICE_EXTENSION (x64): PIRP CurrentIrp at 0, KSPIN_LOCK QueueLock at 8,
-- LIST_ENTRY PendingIrpQueue at 0x10, IO_CSQ CancelSafeQueue at 0x20, KDPC
-- PollingDpc at 0x60, KTIMER PollingTimer at 0xA0, LARGE_INTEGER
-- PollingInterval at 0xE0 and LastPollTime at 0xE8; 0xF0 bytes.
local CURRENT_IRP, QUEUE_LOCK, PENDING_IRP_QUEUE, CANCEL_SAFE_QUEUE = 0x0, 0x8, 0x10, 0x20
local POLLING_DPC, POLLING_TIMER, POLLING_INTERVAL, LAST_POLL_TIME = 0x60, 0xA0, 0xE0, 0xE8
local DEVICE_EXTENSION_SIZE, FILE_CONTEXT_SIZE, INPUT_DATA_SIZE = 0xF0, 0x20, 4
local TAG = "Csmp"
local CSAMP_RETRY_INTERVAL = 500 * 1000 -- microseconds
local variant = StartioVariant or "clean"

local function DeviceExtensionOf(Csq)
  return Csq - CANCEL_SAFE_QUEUE -- CONTAINING_RECORD(Csq, DEVICE_EXTENSION, CancelSafeQueue)
end

-- The queue's callbacks.
local function CsampInsertIrp(Csq, Irp, InsertContext)
  local devExtension = DeviceExtensionOf(Csq)
  if devExtension:ptr(CURRENT_IRP) == nil then
    devExtension:set_ptr(CURRENT_IRP, Irp)
    return STATUS_UNSUCCESSFUL
  end
  InsertTailList(devExtension + PENDING_IRP_QUEUE, Irp.Tail.Overlay.ListEntry)
  return STATUS_SUCCESS
end

local function CsampRemoveIrp(Csq, Irp)
  RemoveEntryList(Irp.Tail.Overlay.ListEntry)
end

local function CsampPeekNextIrp(Csq, Irp, PeekContext)
  local devExtension = DeviceExtensionOf(Csq)
  local listHead = LIST_ENTRY(devExtension + PENDING_IRP_QUEUE)
  local nextEntry
  if Irp == nil then
    nextEntry = listHead.Flink
  else
    nextEntry = Irp.Tail.Overlay.ListEntry.Flink
  end
  local nextIrp = nil
  while nextEntry ~= listHead do
    nextIrp = CONTAINING_RECORD(nextEntry, IRP, "Tail.Overlay.ListEntry")
    local irpStack = IoGetCurrentIrpStackLocation(nextIrp)
    if PeekContext == nil or irpStack.FileObject == PeekContext then
      break
    end
    nextIrp = nil
    nextEntry = LIST_ENTRY(nextEntry).Flink
  end
  if PeekContext == nil then
    devExtension:set_ptr(CURRENT_IRP, nextIrp) -- from the start-packet path
  end
  return nextIrp
end

local function CsampAcquireLock(Csq, Irql)
  Irql:set_u8(0, KeAcquireSpinLock(DeviceExtensionOf(Csq) + QUEUE_LOCK))
end

local function CsampReleaseLock(Csq, Irql)
  KeReleaseSpinLock(DeviceExtensionOf(Csq) + QUEUE_LOCK, Irql)
end

local function CsampCompleteCanceledIrp(Csq, Irp)
  Irp.IoStatus.Status = STATUS_CANCELLED
  Irp.IoStatus.Information = 0
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
end

-- CsampPollDevice: not REAL, the data counts the polls down.
local function CsampPollDevice(DeviceObject, Irp)
  local pInput = Irp.AssociatedIrp.SystemBuffer
  local data = pInput:u32(0)
  pInput:set_u32(0, (data - 1) & 0xFFFFFFFF)
  if data == 0 or data >= 0x80000000 then -- pInput->Data-- <= 0 (a LONG)
    Irp.IoStatus.Information = INPUT_DATA_SIZE
    return STATUS_SUCCESS
  end
  return STATUS_PENDING
end

local function CsampInitiateIo(DeviceObject)
  local devExtension = DeviceObject.DeviceExtension
  local irp = IRP(devExtension:ptr(CURRENT_IRP))
  while true do
    ASSERT(irp ~= nil and irp == devExtension:ptr(CURRENT_IRP))
    local status = CsampPollDevice(DeviceObject, irp)
    if status == STATUS_PENDING then
      -- Polling too soon: the timer retries.
      KeSetTimer(devExtension + POLLING_TIMER, devExtension:u64(POLLING_INTERVAL),
                 devExtension + POLLING_DPC)
      break
    end
    irp.IoStatus.Status = status
    IoCompleteRequest(irp, IO_NO_INCREMENT)
    irp = IoCsqRemoveNextIrp(devExtension + CANCEL_SAFE_QUEUE, nil)
    if irp == nil then
      break
    end
  end
end

local function CsampPollingTimerDpc(Dpc, Context, SystemArgument1, SystemArgument2)
  CsampInitiateIo(DEVICE_OBJECT(Context))
end

-- Dispatch routines.
local function CsampCreateClose(DeviceObject, Irp)
  PAGED_CODE()
  local irpStack = IoGetCurrentIrpStackLocation(Irp)
  local status = STATUS_SUCCESS
  if irpStack.MajorFunction == IRP_MJ_CREATE then
    local fileContext = ExAllocatePoolWithQuotaTag(NonPagedPoolNx | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE,
                                                   FILE_CONTEXT_SIZE, TAG)
    if fileContext == nil then
      status = STATUS_INSUFFICIENT_RESOURCES
    else
      RtlZeroMemory(fileContext, FILE_CONTEXT_SIZE)
      IoInitializeRemoveLock(fileContext, TAG, 0, 0)
      ASSERT(irpStack.FileObject.FsContext == nil)
      irpStack.FileObject.FsContext = fileContext
    end
  elseif irpStack.MajorFunction == IRP_MJ_CLOSE then
    ExFreePoolWithTag(irpStack.FileObject.FsContext, TAG)
  else
    status = STATUS_INVALID_PARAMETER
  end
  Irp.IoStatus.Status = status
  Irp.IoStatus.Information = 0
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
  return status
end

local function CsampRead(DeviceObject, Irp)
  PAGED_CODE()
  local devExtension = DeviceObject.DeviceExtension
  local irpStack = IoGetCurrentIrpStackLocation(Irp)
  local fileContext = irpStack.FileObject.FsContext
  local status = IoAcquireRemoveLock(fileContext, Irp)
  if not NT_SUCCESS(status) then
    Irp.IoStatus.Status = status
    IoCompleteRequest(Irp, IO_NO_INCREMENT)
    return status
  end
  if irpStack.Parameters.Read.Length < INPUT_DATA_SIZE then
    status = STATUS_BUFFER_TOO_SMALL
    Irp.IoStatus.Status = status
    Irp.IoStatus.Information = 0
    IoReleaseRemoveLock(fileContext, Irp)
    IoCompleteRequest(Irp, IO_NO_INCREMENT)
    return status
  end
  local currentTime = KeQuerySystemTime()
  Irp.AssociatedIrp.SystemBuffer:set_u32(0, (currentTime & 0xFFFFFFFF) // 13 % 2)
  KeEnterCriticalRegion()
  -- Queued (busy device): SUCCESS. Idle: the IRP is the CurrentIrp now.
  if not NT_SUCCESS(IoCsqInsertIrpEx(devExtension + CANCEL_SAFE_QUEUE, Irp, nil, nil)) then
    IoMarkIrpPending(Irp)
    CsampInitiateIo(DeviceObject)
  end
  KeLeaveCriticalRegion()
  IoReleaseRemoveLock(fileContext, Irp)
  return STATUS_PENDING
end

local function CsampCleanup(DeviceObject, Irp)
  local devExtension = DeviceObject.DeviceExtension
  local irpStack = IoGetCurrentIrpStackLocation(Irp)
  local fileContext = irpStack.FileObject.FsContext
  local status = IoAcquireRemoveLock(fileContext, Irp)
  ASSERT(NT_SUCCESS(status))
  IoReleaseRemoveLockAndWait(fileContext, Irp)
  if variant == "complete_queued" then
    -- BUG: off the list by hand, their cancel routine (the queue's) left set.
    local irql = KeAcquireSpinLock(devExtension + QUEUE_LOCK)
    local listHead = LIST_ENTRY(devExtension + PENDING_IRP_QUEUE)
    local mine = {}
    local entry = listHead.Flink
    while entry ~= listHead do
      local nextEntry = LIST_ENTRY(entry).Flink
      local queued = CONTAINING_RECORD(entry, IRP, "Tail.Overlay.ListEntry")
      if IoGetCurrentIrpStackLocation(queued).FileObject == irpStack.FileObject then
        RemoveEntryList(entry)
        mine[#mine + 1] = queued
      end
      entry = nextEntry
    end
    KeReleaseSpinLock(devExtension + QUEUE_LOCK, irql)
    for _, pendingIrp in ipairs(mine) do
      pendingIrp.IoStatus.Information = 0
      pendingIrp.IoStatus.Status = STATUS_CANCELLED
      IoCompleteRequest(pendingIrp, IO_NO_INCREMENT)
    end
  else
    local pendingIrp = IoCsqRemoveNextIrp(devExtension + CANCEL_SAFE_QUEUE, irpStack.FileObject)
    while pendingIrp ~= nil do
      pendingIrp.IoStatus.Information = 0
      pendingIrp.IoStatus.Status = STATUS_CANCELLED
      IoCompleteRequest(pendingIrp, IO_NO_INCREMENT)
      pendingIrp = IoCsqRemoveNextIrp(devExtension + CANCEL_SAFE_QUEUE, irpStack.FileObject)
    end
  end
  Irp.IoStatus.Information = 0
  Irp.IoStatus.Status = STATUS_SUCCESS
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
  return STATUS_SUCCESS
end

local function CsampUnload(DriverObject)
  PAGED_CODE()
  local deviceObject = DriverObject.DeviceObject
  local devExtension = deviceObject.DeviceExtension
  KeCancelTimer(devExtension + POLLING_TIMER)
  -- Not in Microsoft's sample: a polling DPC already queued or running on
  -- another processor still holds the queue lock in the device extension
  -- IoDeleteDevice frees (0xC4/0x100B on 9 of 200 seeds without this).
  KeFlushQueuedDpcs()
  IoDeleteSymbolicLink("\\DosDevices\\CancelSampStartIo")
  IoDeleteDevice(deviceObject)
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, deviceObject = IoCreateDevice(DriverObject, DEVICE_EXTENSION_SIZE,
                                                "\\Device\\CANCELSAMPSTARTIO",
                                                FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN,
                                                false)
    if not NT_SUCCESS(status) then
      return status
    end
    status = IoCreateSymbolicLink("\\DosDevices\\CancelSampStartIo",
                                  "\\Device\\CANCELSAMPSTARTIO")
    if not NT_SUCCESS(status) then
      IoDeleteDevice(deviceObject)
      return status
    end
    local devExtension = deviceObject.DeviceExtension
    DriverObject.MajorFunction[IRP_MJ_CREATE] = CsampCreateClose
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = CsampCreateClose
    DriverObject.MajorFunction[IRP_MJ_READ] = CsampRead
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = CsampCleanup
    DriverObject.DriverUnload = CsampUnload
    deviceObject.Flags = deviceObject.Flags | DO_BUFFERED_IO
    KeInitializeSpinLock(devExtension + QUEUE_LOCK)
    KeInitializeDpc(devExtension + POLLING_DPC, CsampPollingTimerDpc, deviceObject)
    KeInitializeTimer(devExtension + POLLING_TIMER)
    InitializeListHead(devExtension + PENDING_IRP_QUEUE)
    devExtension:set_u64(POLLING_INTERVAL, (CSAMP_RETRY_INTERVAL * -10) & 0xFFFFFFFFFFFFFFFF)
    devExtension:set_u64(LAST_POLL_TIME, KeQuerySystemTime())
    IoCsqInitializeEx(devExtension + CANCEL_SAFE_QUEUE, CsampInsertIrp, CsampRemoveIrp,
                      CsampPeekNextIrp, CsampAcquireLock, CsampReleaseLock,
                      CsampCompleteCanceledIrp)
    return status
  end,
}
