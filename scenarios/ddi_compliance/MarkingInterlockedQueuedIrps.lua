-- MarkingInterlockedQueuedIrps: bulkq.sys queues the writes it receives
-- on an interlocked list (ExInterlockedInsertTailList through
-- Irp->Tail.Overlay.ListEntry) for a worker thread that sends them to the
-- device and completes them. BUG: the dispatch routine marks the IRP
-- pending only after it is on the queue: on a multiprocessor the worker can
-- take it and complete it in between, and IoMarkIrpPending then touches an
-- IRP that is gone. Windows checks this only statically (SDV's
-- MarkingInterlockedQueuedIrps rule); drvsim checks it at run time, on
-- every schedule, as the IRP is queued: 0xC4, P1 its private code
-- (0xD0020005).
scenario {
  verifier = "/sdv /driver bulkq.sys",
  cpus = 2,
  expect = { bugcheck = 0xC4, p1 = 0xD0020005, driver = "bulkq.sys" },
}

local function QueuedIrp(Entry)
  return CONTAINING_RECORD(Entry, IRP, "Tail.Overlay.ListEntry")
end

driver "bulkq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\BulkQ", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    BulkDevice, BulkQueue, BulkLock, BulkWake, BulkStop = device, LIST_ENTRY(), KSPIN_LOCK(),
                                                          KEVENT(), false
    InitializeListHead(BulkQueue)
    KeInitializeSpinLock(BulkLock)
    KeInitializeEvent(BulkWake, SynchronizationEvent, false)
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING

    local function Complete(Irp, Status, Information)
      Irp.IoStatus.Status = Status
      Irp.IoStatus.Information = Information
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return Status
    end
    DriverObject.MajorFunction[IRP_MJ_CREATE] = function(DeviceObject, Irp)
      return Complete(Irp, STATUS_SUCCESS, 0)
    end
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = DriverObject.MajorFunction[IRP_MJ_CREATE]
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = DriverObject.MajorFunction[IRP_MJ_CREATE]

    DriverObject.MajorFunction[IRP_MJ_WRITE] = function(DeviceObject, Irp)
      ExInterlockedInsertTailList(BulkQueue, Irp.Tail.Overlay.ListEntry, BulkLock)
      IoMarkIrpPending(Irp)                   -- BUG: too late, the IRP is already queued
      KeSetEvent(BulkWake, IO_NO_INCREMENT, false)
      return STATUS_PENDING
    end

    -- The worker: sends each queued write to the device, then completes it.
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      while true do
        local Entry = ExInterlockedRemoveHeadList(BulkQueue, BulkLock)
        if Entry ~= nil then
          local Irp = QueuedIrp(Entry)
          Complete(Irp, STATUS_SUCCESS, IoGetCurrentIrpStackLocation(Irp).Parameters.Write.Length)
        elseif BulkStop then
          break
        else
          KeWaitForSingleObject(BulkWake, Executive, KernelMode, false, nil)
        end
      end
    end, nil)
    if status ~= STATUS_SUCCESS then
      IoDeleteDevice(device)
      return status
    end
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    BulkWorker = object

    DriverObject.DriverUnload = function(DriverObject)
      BulkStop = true
      KeSetEvent(BulkWake, IO_NO_INCREMENT, false)
      KeWaitForSingleObject(BulkWorker, Executive, KernelMode, false, nil)
      ObDereferenceObject(BulkWorker)
      IoDeleteDevice(BulkDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "bulkq.sys"
  local App = CreateProcess "bulkcopy.exe"
  RunInProcess(App, function()
    local Handle = assert(CreateFile "\\Device\\BulkQ")
    for i = 1, 4 do
      assert(WriteFile(Handle, "block " .. i) == STATUS_SUCCESS)
    end
    CloseHandle(Handle)
  end)
  UnloadDriver "bulkq.sys"
end)
