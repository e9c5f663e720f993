-- QueuedSpinLockRelease: netq.sys queues the frames written to it under
-- an in-stack queued spin lock and counts the bytes under a second one. Its
-- write path takes the statistics lock while it still holds the queue's:
-- two different locks, nested, in one order everywhere, which the
-- QueuedSpinLock rule allows. The stricter "additional" rule wants
-- KeAcquireInStackQueuedSpinLock and KeReleaseInStackQueuedSpinLock in
-- strict alternation (nested locks are where lock-order deadlocks start):
-- DDI compliance checking (additional) stops the second acquire,
-- 0xC4/0x40007, QueuedSpinLockRelease.
scenario {
  verifier = "/flags 0xA0000 /driver netq.sys",
  expect = { bugcheck = 0xC4, p1 = 0x40007, driver = "netq.sys" },
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
        KeAcquireInStackQueuedSpinLock(StatsLock, StatsHandle)   -- nested in QueueLock
        BytesQueued = BytesQueued + Length
        KeReleaseInStackQueuedSpinLock(StatsHandle)
      end
      KeReleaseInStackQueuedSpinLock(QueueHandle)
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
