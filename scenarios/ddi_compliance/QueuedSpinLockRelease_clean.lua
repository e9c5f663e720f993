-- QueuedSpinLockRelease, clean twin: netq.sys's write path releases the
-- queue's in-stack queued spin lock before it takes the statistics lock,
-- so acquires and releases alternate strictly, as the "additional" rule
-- wants (checked here with /standard's options on too).
scenario {
  verifier = "/standard /flags 0x80000 /driver netq.sys",
  expect = "clean",
}

local MAX_FRAMES = 8

driver "netq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\NetQ", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    NetDevice, QueueLock, StatsLock, Frames, BytesQueued = device, KSPIN_LOCK(), KSPIN_LOCK(), {}, 0
    KeInitializeSpinLock(QueueLock)
    KeInitializeSpinLock(StatsLock)
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
      local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Write.Length
      local Status = STATUS_SUCCESS
      local QueueHandle, StatsHandle = KLOCK_QUEUE_HANDLE(), KLOCK_QUEUE_HANDLE()
      KeAcquireInStackQueuedSpinLock(QueueLock, QueueHandle)
      if #Frames >= MAX_FRAMES then
        Status = STATUS_DEVICE_NOT_READY
      else
        Frames[#Frames + 1] = Length
      end
      KeReleaseInStackQueuedSpinLock(QueueHandle)
      if Status == STATUS_SUCCESS then
        KeAcquireInStackQueuedSpinLock(StatsLock, StatsHandle)
        BytesQueued = BytesQueued + Length
        KeReleaseInStackQueuedSpinLock(StatsHandle)
      end
      return Complete(Irp, Status, Status == STATUS_SUCCESS and Length or 0)
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(NetDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netq.sys"
  local Handle = assert(CreateFile "\\Device\\NetQ")
  for i = 1, 3 do
    assert(WriteFile(Handle, "frame " .. i) == STATUS_SUCCESS)
  end
  CloseHandle(Handle)
  UnloadDriver "netq.sys"
end)
