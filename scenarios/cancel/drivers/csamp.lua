-- csamp.sys: Microsoft's cancel-safe queue sample (Windows-driver-samples,
-- general/cancel/sys/cancel.c), transliterated. Reads are queued with
-- IoCsqInsertIrp on the device extension's cancel-safe queue and a
-- semaphore wakes a polling thread, which takes them with
-- IoCsqRemoveNextIrp and polls the "device" until the read's data says it
-- is ready. A cancelled read leaves the queue through the queue's own
-- callbacks (CsampRemoveIrp, CsampCompleteCanceledIrp) that the I/O
-- manager calls; IRP_MJ_CLEANUP runs the handle's remove lock down
-- (IoAcquireRemoveLock, IoReleaseRemoveLockAndWait) and cancels the
-- handle's queued reads with IoCsqRemoveNextIrp(Csq, FileObject).
--
-- Where the sample calls a routine drvsim does not have yet:
-- IoCreateDeviceSecure (its SDDL and class GUID) is IoCreateDevice;
-- ExAllocatePoolQuotaZero is ExAllocatePoolWithQuotaTag with
-- POOL_QUOTA_FAIL_INSTEAD_OF_RAISE, zeroed; ExInitializeDriverRuntime and
-- KeSetPriorityThread(KeGetCurrentThread(), LOW_REALTIME_PRIORITY) are left
-- out (thread priorities are not modelled).
--
-- The variant knobs (CsampVariant, set by the scenario before loading):
--   "release_wrong_tag"  CsampRead releases its remove lock with the wrong
--                        tag (the device object instead of the IRP)
--   "release_twice"      CsampRead's too-small path releases twice
--   "wait_wrong_tag"     CsampCleanup waits with a tag it did not acquire
--   "reinitialize"       CsampCleanup initialises the lock again afterwards

-- DEVICE_EXTENSION (x64): BOOLEAN ThreadShouldStop at 0, PKTHREAD
-- ThreadObject at 8, LIST_ENTRY PendingIrpQueue at 0x10, KSPIN_LOCK
-- QueueLock at 0x20, IO_CSQ CancelSafeQueue at 0x28, KSEMAPHORE
-- IrpQueueSemaphore at 0x68, LARGE_INTEGER LastPollTime at 0x88 and
-- PollingInterval at 0x90; 0x98 bytes. FILE_CONTEXT: IO_REMOVE_LOCK
-- FileRundownLock at 0. INPUT_DATA: ULONG Data.
local THREAD_SHOULD_STOP, THREAD_OBJECT, PENDING_IRP_QUEUE, QUEUE_LOCK = 0x0, 0x8, 0x10, 0x20
local CANCEL_SAFE_QUEUE, IRP_QUEUE_SEMAPHORE, LAST_POLL_TIME, POLLING_INTERVAL =
  0x28, 0x68, 0x88, 0x90
local DEVICE_EXTENSION_SIZE, FILE_CONTEXT_SIZE, INPUT_DATA_SIZE = 0x98, 0x20, 4
local TAG = "Csmp"
local CSAMP_RETRY_INTERVAL = 500 * 1000 -- microseconds
local MAXLONG = 0x7FFFFFFF
local variant = CsampVariant or "clean"

local function DeviceExtensionOf(Csq)
  return Csq - CANCEL_SAFE_QUEUE -- CONTAINING_RECORD(Csq, DEVICE_EXTENSION, CancelSafeQueue)
end

-- The queue's callbacks.
local function CsampInsertIrp(Csq, Irp)
  local devExtension = DeviceExtensionOf(Csq)
  InsertTailList(devExtension + PENDING_IRP_QUEUE, Irp.Tail.Overlay.ListEntry)
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
  while nextEntry ~= listHead do
    local nextIrp = CONTAINING_RECORD(nextEntry, IRP, "Tail.Overlay.ListEntry")
    local irpStack = IoGetCurrentIrpStackLocation(nextIrp)
    if PeekContext == nil or irpStack.FileObject == PeekContext then
      return nextIrp
    end
    nextEntry = LIST_ENTRY(nextEntry).Flink
  end
  return nil
end

local function CsampAcquireLock(Csq, Irql)
  local devExtension = DeviceExtensionOf(Csq)
  Irql:set_u8(0, KeAcquireSpinLock(devExtension + QUEUE_LOCK)) -- KeAcquireSpinLock(&lock, Irql)
end

local function CsampReleaseLock(Csq, Irql)
  local devExtension = DeviceExtensionOf(Csq)
  KeReleaseSpinLock(devExtension + QUEUE_LOCK, Irql)
end

local function CsampCompleteCanceledIrp(Csq, Irp)
  Irp.IoStatus.Status = STATUS_CANCELLED
  Irp.IoStatus.Information = 0
  IoCompleteRequest(Irp, IO_NO_INCREMENT)
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
    -- Cleanup has run down this handle.
    Irp.IoStatus.Status = status
    IoCompleteRequest(Irp, IO_NO_INCREMENT)
    return status
  end
  if irpStack.Parameters.Read.Length < INPUT_DATA_SIZE then
    status = STATUS_BUFFER_TOO_SMALL
    Irp.IoStatus.Status = status
    Irp.IoStatus.Information = 0
    IoReleaseRemoveLock(fileContext, Irp)
    if variant == "release_twice" then
      IoReleaseRemoveLock(fileContext, Irp) -- BUG: released once too often
    end
    IoCompleteRequest(Irp, IO_NO_INCREMENT)
    return status
  end
  -- FOR TESTING: the number of polls the read needs, from the time.
  local currentTime = KeQuerySystemTime()
  Irp.AssociatedIrp.SystemBuffer:set_u32(0, (currentTime & 0xFFFFFFFF) // 13 % 2)
  KeEnterCriticalRegion()
  IoCsqInsertIrp(devExtension + CANCEL_SAFE_QUEUE, Irp, nil) -- marks the IRP pending
  KeReleaseSemaphore(devExtension + IRP_QUEUE_SEMAPHORE, 0, 1, false)
  KeLeaveCriticalRegion()
  if variant == "release_wrong_tag" then
    IoReleaseRemoveLock(fileContext, DeviceObject) -- BUG: acquired with the IRP as its tag
  else
    IoReleaseRemoveLock(fileContext, Irp)
  end
  return STATUS_PENDING
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

local function CsampPollingThread(Context)
  local DeviceObject = DEVICE_OBJECT(Context)
  local DevExtension = DeviceObject.DeviceExtension
  while true do
    KeWaitForSingleObject(DevExtension + IRP_QUEUE_SEMAPHORE, Executive, KernelMode, false, nil)
    -- The sample reads the BOOLEAN plainly; the semaphore orders it only
    -- when this wait took unload's release, not an earlier IRP's, so the
    -- read and unload's write are a (benign) data race: the WDK's NoFence
    -- accessors say the race is intended (drvsim --races then stays quiet).
    if ReadBooleanNoFence(DevExtension + THREAD_SHOULD_STOP) then
      PsTerminateSystemThread(STATUS_SUCCESS)
    end
    local Irp = IoCsqRemoveNextIrp(DevExtension + CANCEL_SAFE_QUEUE, nil)
    if Irp ~= nil then
      while true do
        local Status = CsampPollDevice(DeviceObject, Irp)
        if Status == STATUS_PENDING then
          KeDelayExecutionThread(KernelMode, false, DevExtension + POLLING_INTERVAL)
        else
          Irp.IoStatus.Status = Status
          IoCompleteRequest(Irp, IO_NO_INCREMENT)
          break
        end
      end
    end
  end
end

local function CsampCleanup(DeviceObject, Irp)
  local devExtension = DeviceObject.DeviceExtension
  local irpStack = IoGetCurrentIrpStackLocation(Irp)
  local fileContext = irpStack.FileObject.FsContext
  local status = IoAcquireRemoveLock(fileContext, Irp)
  ASSERT(NT_SUCCESS(status))
  if variant == "wait_wrong_tag" then
    IoReleaseRemoveLockAndWait(fileContext, irpStack.FileObject) -- BUG: acquired with the IRP
  else
    IoReleaseRemoveLockAndWait(fileContext, Irp)
  end
  if variant == "reinitialize" then
    IoInitializeRemoveLock(fileContext, TAG, 0, 0) -- BUG: the lock is done with
  end
  local pendingIrp = IoCsqRemoveNextIrp(devExtension + CANCEL_SAFE_QUEUE, irpStack.FileObject)
  while pendingIrp ~= nil do
    pendingIrp.IoStatus.Information = 0
    pendingIrp.IoStatus.Status = STATUS_CANCELLED
    IoCompleteRequest(pendingIrp, IO_NO_INCREMENT)
    pendingIrp = IoCsqRemoveNextIrp(devExtension + CANCEL_SAFE_QUEUE, irpStack.FileObject)
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
  WriteBooleanNoFence(devExtension + THREAD_SHOULD_STOP, true)
  KeReleaseSemaphore(devExtension + IRP_QUEUE_SEMAPHORE, 0, 1, true)
  local threadObject = devExtension:ptr(THREAD_OBJECT)
  KeWaitForSingleObject(threadObject, Executive, KernelMode, false, nil)
  ObDereferenceObject(threadObject)
  IoDeleteSymbolicLink("\\DosDevices\\CancelSamp")
  IoDeleteDevice(deviceObject)
end

return {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, deviceObject = IoCreateDevice(DriverObject, DEVICE_EXTENSION_SIZE,
                                                "\\Device\\CANCELSAMP", FILE_DEVICE_UNKNOWN,
                                                FILE_DEVICE_SECURE_OPEN, false)
    if not NT_SUCCESS(status) then
      return status
    end
    status = IoCreateSymbolicLink("\\DosDevices\\CancelSamp", "\\Device\\CANCELSAMP")
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
    KeInitializeSemaphore(devExtension + IRP_QUEUE_SEMAPHORE, 0, MAXLONG)
    InitializeListHead(devExtension + PENDING_IRP_QUEUE)
    IoCsqInitialize(devExtension + CANCEL_SAFE_QUEUE, CsampInsertIrp, CsampRemoveIrp,
                    CsampPeekNextIrp, CsampAcquireLock, CsampReleaseLock,
                    CsampCompleteCanceledIrp)
    devExtension:set_u64(POLLING_INTERVAL, (CSAMP_RETRY_INTERVAL * -10) & 0xFFFFFFFFFFFFFFFF)
    devExtension:set_u64(LAST_POLL_TIME, KeQuerySystemTime())
    devExtension:set_u8(THREAD_SHOULD_STOP, 0)
    local threadHandle
    status, threadHandle = PsCreateSystemThread(0, nil, nil, CsampPollingThread, deviceObject)
    if not NT_SUCCESS(status) then
      IoDeleteSymbolicLink("\\DosDevices\\CancelSamp")
      IoDeleteDevice(deviceObject)
      return status
    end
    local _, threadObject = ObReferenceObjectByHandle(threadHandle, THREAD_ALL_ACCESS, nil,
                                                      KernelMode)
    devExtension:set_ptr(THREAD_OBJECT, threadObject)
    ZwClose(threadHandle)
    return status
  end,
}
