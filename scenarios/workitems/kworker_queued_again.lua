-- kworker_queued_again: a sensor hub driver has one preallocated work item
-- to read its FIFO at PASSIVE_LEVEL. Its interrupt DPC queues the item for
-- each status bit it finds set, and two bits come in the same interrupt:
-- the second IoQueueWorkItem finds the item still queued. The kernel stops
-- on its own, verifier or not (0xE4 WORKER_INVALID, P1 = 1: an active work
-- item queued again; P2 the item, P3 the queue type).
scenario {
  cpus   = 1,
  expect = { bugcheck = 0xE4, p1 = 0x1, p3 = DelayedWorkQueue, driver = "senshub.sys" },
}

local FIFO_THRESHOLD, FIFO_OVERFLOW = 0x1, 0x2

local function FifoWorker(DeviceObject, Context)
  Drained = Drained + 1
end

driver "senshub.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\SensHub",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device, Drained = device, 0
    Item = IoAllocateWorkItem(Device)
    if Item == nil then
      IoDeleteDevice(Device)
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Dpc = KDPC()
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      local Status = InterruptStatus   -- latched by the ISR
      -- BUG: one item, queued once per bit; it must be queued once, with a
      -- "drain pending" flag guarding it.
      if Status & FIFO_THRESHOLD ~= 0 then
        IoQueueWorkItem(Item, FifoWorker, DelayedWorkQueue, nil)
      end
      if Status & FIFO_OVERFLOW ~= 0 then
        IoQueueWorkItem(Item, FifoWorker, DelayedWorkQueue, nil)
      end
    end, nil)
    DriverObject.DriverUnload = function(DriverObject)
      IoFreeWorkItem(Item)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "senshub.sys"
  local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)   -- the interrupt's DPC
  InterruptStatus = FIFO_THRESHOLD | FIFO_OVERFLOW   -- the ISR latches the status
  KeInsertQueueDpc(Dpc, nil, nil)
  KeLowerIrql(OldIrql)
  Sleep "100ms"
  UnloadDriver "senshub.sys"
end)
