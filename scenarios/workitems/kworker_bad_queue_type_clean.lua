-- kworker_bad_queue_type, clean twin: the storage miniport's table has an
-- entry for each of its four priorities (indexed from 0), so every request
-- goes to a queue that exists; each worker routine frees its item.
scenario {
  expect = "clean",
}

local QueueForPriority = {
  [0] = DelayedWorkQueue, DelayedWorkQueue, CriticalWorkQueue, HyperCriticalWorkQueue,
}
local INVALID_QUEUE = 0xFFFF

local function RequestWorker(DeviceObject, Context)
  Served = Served + 1
  IoFreeWorkItem(Context)
end

local function QueueRequest(Priority)
  local Item = IoAllocateWorkItem(Device)
  if Item == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  IoQueueWorkItem(Item, RequestWorker, QueueForPriority[Priority] or INVALID_QUEUE, Item)
  return STATUS_PENDING
end

driver "stormp.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\StorMp",
                                          FILE_DEVICE_DISK, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device, Served = device, 0
    for Priority = 0, 3 do
      QueueRequest(Priority)
    end
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "stormp.sys"
  Sleep "100ms"
  UnloadDriver "stormp.sys"
  assert(Served == 4, "every request served: " .. Served)
end)
