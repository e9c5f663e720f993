-- kworker_free_queued: on unload, a logging driver queues its work item one
-- last time to flush the log file at PASSIVE_LEVEL, then frees the item at
-- once instead of waiting for the flush. The item is still queued when
-- IoFreeWorkItem gets it: the kernel stops, verifier or not (0xE4
-- WORKER_INVALID, P1 = 2: a queued I/O work item freed; P2 the item, P3
-- its worker routine's address, as drvsim numbers routines).
-- Source: windows-driver-docs-pr/debugger/bug-check-0xe4--worker-invalid.md
scenario {
  cpus   = 1,
  expect = { bugcheck = 0xE4, p1 = 0x2, p3 = 0xFFFFF80240001020, driver = "evtlog.sys" },
}

local function FlushWorker(DeviceObject, Context)
  Flushes = Flushes + 1
  KeSetEvent(Flushed, 0, false)
end

driver "evtlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\EvtLog",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device, Flushes, Flushed = device, 0, KEVENT()
    KeInitializeEvent(Flushed, SynchronizationEvent, false)
    Item = IoAllocateWorkItem(Device)
    if Item == nil then
      IoDeleteDevice(Device)
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoQueueWorkItem(Item, FlushWorker, DelayedWorkQueue, nil)
      -- BUG: the flush is queued, not done: wait for Flushed first.
      IoFreeWorkItem(Item)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "evtlog.sys"
  Sleep "1s"
  UnloadDriver "evtlog.sys"
end)
