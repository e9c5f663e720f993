-- kworker_bad_object: a keyboard filter allocates its work item for the
-- device extension instead of the device object (the extension is what
-- every other routine of it takes). IoAllocateWorkItem needs a device
-- object, or a driver object, to reference while the item is queued: the
-- kernel stops, verifier or not (0xE4 WORKER_INVALID, P1 = 3: a bad object
-- for an I/O work item; P2 the object).
scenario {
  expect = { bugcheck = 0xE4, p1 = 0x3, driver = "kbdhook.sys" },
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
    local Extension = Device.DeviceExtension
    -- BUG: the extension is not an object; pass Device.
    Item = IoAllocateWorkItem(Extension)
    if Item == nil then
      IoDeleteDevice(Device)
      return STATUS_INSUFFICIENT_RESOURCES
    end
    IoQueueWorkItem(Item, RepeatWorker, DelayedWorkQueue, nil)
    DriverObject.DriverUnload = function(DriverObject)
      IoFreeWorkItem(Item)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "kbdhook.sys"
  Sleep "100ms"
  UnloadDriver "kbdhook.sys"
end)
