-- kworker_free_queued, clean twin: the logging driver queues its last
-- flush on unload and waits for the worker routine to signal it before it
-- frees the work item and deletes its device.
scenario {
  cpus   = 1,
  expect = "clean",
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
      KeWaitForSingleObject(Flushed, Executive, KernelMode, false, nil)
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
  assert(Flushes == 1, "the log was flushed")
end)
