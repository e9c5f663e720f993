-- lock_cycle_three_routines: a three-lock cycle across three kinds of
-- code. A block driver's read dispatch routine takes RequestLock then
-- CacheLock; its completion DPC takes CacheLock then DeviceLock; its
-- flush work item takes DeviceLock then RequestLock. Each pair on its own is
-- a sound order and the three never run at once in this run, but together
-- they close a cycle: three processors, each in one of the routines, would
-- each hold the lock the next one wants. Deadlock detection stops at the
-- acquisition that closes it (0xC4/0x1001) and lists the three chains, each
-- with the routine, its IRQL and the scenario lines of both acquisitions.
scenario {
  verifier = "/flags 0x20 /driver blkx.sys",
  cpus = 3,
  expect = { bugcheck = 0xC4, p1 = 0x1001, driver = "blkx.sys" },
}

driver "blkx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\Blkx",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device = device
    device.Flags = (device.Flags | DO_BUFFERED_IO) & ~DO_DEVICE_INITIALIZING
    RequestLock, CacheLock, DeviceLock = KSPIN_LOCK(), KSPIN_LOCK(), KSPIN_LOCK()
    KeInitializeSpinLock(RequestLock)
    KeInitializeSpinLock(CacheLock)
    KeInitializeSpinLock(DeviceLock)
    Reads, Cached, Flushes = 0, 0, 0

    DriverObject.MajorFunction[IRP_MJ_READ] = function(DeviceObject, Irp)
      local OldIrql = KeAcquireSpinLock(RequestLock)
      KeAcquireSpinLockAtDpcLevel(CacheLock)
      Reads = Reads + 1
      KeReleaseSpinLockFromDpcLevel(CacheLock)
      KeReleaseSpinLock(RequestLock, OldIrql)
      Irp.IoStatus.Status = STATUS_SUCCESS
      Irp.IoStatus.Information = 0
      IoCompleteRequest(Irp, IO_NO_INCREMENT)
      return STATUS_SUCCESS
    end

    local function Flush(DeviceObject, Context)
      local OldIrql = KeAcquireSpinLock(DeviceLock)
      KeAcquireSpinLockAtDpcLevel(RequestLock)    -- BUG: closes RequestLock -> CacheLock -> DeviceLock
      Flushes = Flushes + 1
      KeReleaseSpinLockFromDpcLevel(RequestLock)
      KeReleaseSpinLock(DeviceLock, OldIrql)
    end

    FlushItem = IoAllocateWorkItem(device)
    CompletionDpc = KDPC()
    KeInitializeDpc(CompletionDpc, function(Dpc, Context, Argument1, Argument2)
      KeAcquireSpinLockAtDpcLevel(CacheLock)
      KeAcquireSpinLockAtDpcLevel(DeviceLock)
      Cached = Cached + 1
      KeReleaseSpinLockFromDpcLevel(DeviceLock)
      KeReleaseSpinLockFromDpcLevel(CacheLock)
      IoQueueWorkItem(FlushItem, Flush, DelayedWorkQueue, nil)   -- the cache is dirty
    end, nil)

    DriverObject.DriverUnload = function(DriverObject)
      IoFreeWorkItem(FlushItem)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "blkx.sys"
  local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 4, "Clnt")
  local Event, Iosb = KEVENT(), IO_STATUS_BLOCK()
  KeInitializeEvent(Event, NotificationEvent, false)
  local Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Device, Buffer, 4, nil, Event, Iosb)
  IoCallDriver(Device, Irp)
  KeInsertQueueDpc(CompletionDpc, nil, nil)
  Sleep "1ms"
  ExFreePoolWithTag(Buffer, "Clnt")
  UnloadDriver "blkx.sys"
end)
