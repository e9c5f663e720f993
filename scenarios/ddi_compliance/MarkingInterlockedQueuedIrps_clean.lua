-- MarkingInterlockedQueuedIrps, clean twin: bulkq.sys marks each write
-- pending before ExInterlockedInsertTailList puts it on the worker's
-- queue, so the worker may complete it at once, on the other processor.
scenario {
  verifier = "/standard /sdv /driver bulkq.sys",
  cpus = 2,
  expect = "clean",
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
      IoMarkIrpPending(Irp)
      ExInterlockedInsertTailList(BulkQueue, Irp.Tail.Overlay.ListEntry, BulkLock)
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
