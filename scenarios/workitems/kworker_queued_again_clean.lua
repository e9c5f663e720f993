-- kworker_queued_again, clean twin: the sensor hub driver's interrupt DPC
-- queues its one work item only when no drain is pending, under its lock;
-- the worker clears the flag before it drains, so a later interrupt queues
-- it again. Unload waits for a pending drain before it frees the item.
scenario {
  cpus   = 1,
  expect = "clean",
}

local FIFO_THRESHOLD, FIFO_OVERFLOW = 0x1, 0x2

local function FifoWorker(DeviceObject, Context)
  local OldIrql = KeAcquireSpinLock(Lock)
  DrainPending = false
  KeReleaseSpinLock(Lock, OldIrql)
  Drained = Drained + 1
  KeSetEvent(Idle, 0, false)
end

driver "senshub.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\SensHub",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device, Drained, DrainPending = device, 0, false
    Item = IoAllocateWorkItem(Device)
    if Item == nil then
      IoDeleteDevice(Device)
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Lock, Idle, Dpc = KSPIN_LOCK(), KEVENT(), KDPC()
    KeInitializeSpinLock(Lock)
    KeInitializeEvent(Idle, NotificationEvent, true)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      local Status = InterruptStatus   -- latched by the ISR
      if Status & (FIFO_THRESHOLD | FIFO_OVERFLOW) == 0 then
        return
      end
      KeAcquireSpinLockAtDpcLevel(Lock)
      if not DrainPending then
        DrainPending = true
        KeClearEvent(Idle)
        IoQueueWorkItem(Item, FifoWorker, DelayedWorkQueue, nil)
      end
      KeReleaseSpinLockFromDpcLevel(Lock)
    end, nil)
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(Idle, Executive, KernelMode, false, nil)
      IoFreeWorkItem(Item)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "senshub.sys"
  for _ = 1, 2 do
    local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)   -- the interrupt's DPC
    InterruptStatus = FIFO_THRESHOLD | FIFO_OVERFLOW   -- the ISR latches the status
    KeInsertQueueDpc(Dpc, nil, nil)
    KeLowerIrql(OldIrql)
    Sleep "100ms"
  end
  UnloadDriver "senshub.sys"
  assert(Drained == 2, "one drain per interrupt: " .. Drained)
end)
