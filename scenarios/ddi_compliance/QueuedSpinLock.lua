-- QueuedSpinLock: pktq.sys queues the packets written to it and guards the
-- queue with an in-stack queued spin lock. QueueDepth(), the helper that
-- reports how full the queue is, takes the lock itself. BUG: the write path
-- calls it while it already holds the lock, to throttle when the queue is
-- nearly full: the same processor acquires the same queued spin lock
-- twice. On a multiprocessor it spins on itself for ever; DDI compliance
-- checking stops the second acquire: 0xC4/0x40006, QueuedSpinLock.
scenario {
  verifier = "/flags 0x20000 /driver pktq.sys",
  cpus = 2,
  expect = { bugcheck = 0xC4, p1 = 0x40006, driver = "pktq.sys" },
}

local MAX_PACKETS, THROTTLE_AT = 8, 6

local function QueueDepth()
  local Handle = KLOCK_QUEUE_HANDLE()
  KeAcquireInStackQueuedSpinLock(QueueLock, Handle)
  local Depth = #Packets
  KeReleaseInStackQueuedSpinLock(Handle)
  return Depth
end

driver "pktq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\PktQ", FILE_DEVICE_UNKNOWN,
                                          FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    PktDevice, QueueLock, Packets, Throttled = device, KSPIN_LOCK(), {}, 0
    KeInitializeSpinLock(QueueLock)
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
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = function(DeviceObject, Irp)
      LastDepth = QueueDepth()                -- logged as the handle closes
      return Complete(Irp, STATUS_SUCCESS, 0)
    end

    DriverObject.MajorFunction[IRP_MJ_WRITE] = function(DeviceObject, Irp)
      local Length = IoGetCurrentIrpStackLocation(Irp).Parameters.Write.Length
      local Status = STATUS_SUCCESS
      local Handle = KLOCK_QUEUE_HANDLE()
      KeAcquireInStackQueuedSpinLock(QueueLock, Handle)
      if #Packets >= MAX_PACKETS then
        Status = STATUS_DEVICE_NOT_READY
      else
        Packets[#Packets + 1] = Length
        if QueueDepth() >= THROTTLE_AT then   -- BUG: QueueDepth takes QueueLock again
          Throttled = Throttled + 1
        end
      end
      KeReleaseInStackQueuedSpinLock(Handle)
      return Complete(Irp, Status, Status == STATUS_SUCCESS and Length or 0)
    end

    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(PktDevice)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pktq.sys"
  local Handle = assert(CreateFile "\\Device\\PktQ")
  for i = 1, 3 do
    assert(WriteFile(Handle, "packet " .. i) == STATUS_SUCCESS)
  end
  CloseHandle(Handle)
  UnloadDriver "pktq.sys"
end)
