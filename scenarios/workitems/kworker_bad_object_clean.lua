-- kworker_bad_object, clean twin: the keyboard filter allocates its work
-- item for its device object, and the second one for its driver object
-- (IoAllocateWorkItem takes either); both run, and unload frees them.
scenario {
  expect = "clean",
}

local function RepeatWorker(DeviceObject, Context)
  Repeats = Repeats + 1
end

driver "kbdhook.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 16, nil, FILE_DEVICE_UNKNOWN, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device, Repeats = device, 0
    Item = IoAllocateWorkItem(Device)
    DriverItem = IoAllocateWorkItem(DriverObject)
    if Item == nil or DriverItem == nil then
      if Item ~= nil then IoFreeWorkItem(Item) end
      if DriverItem ~= nil then IoFreeWorkItem(DriverItem) end
      IoDeleteDevice(Device)
      return STATUS_INSUFFICIENT_RESOURCES
    end
    IoQueueWorkItem(Item, RepeatWorker, DelayedWorkQueue, nil)
    IoQueueWorkItem(DriverItem, RepeatWorker, CriticalWorkQueue, nil)
    DriverObject.DriverUnload = function(DriverObject)
      IoFreeWorkItem(Item)
      IoFreeWorkItem(DriverItem)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "kbdhook.sys"
  Sleep "100ms"
  UnloadDriver "kbdhook.sys"
  assert(Repeats == 2, "both items ran")
end)
