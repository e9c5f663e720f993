-- kworker_bad_queue_type: a storage miniport maps its request priority
-- (0 = low .. 3 = urgent) to a work queue with a table, indexed one past
-- its end for urgent requests: the queue type it passes is garbage. The
-- kernel stops, verifier or not (0xE4 WORKER_INVALID, P1 = 6: a bad queue
-- type; P2 the item, P3 the queue type).
scenario {
  expect = { bugcheck = 0xE4, p1 = 0x6, driver = "stormp.sys" },
}

-- BUG: the priorities run from 0, the table from 1: priority 0 finds no
-- entry, and the driver falls back to a sentinel that is no queue.
local QueueForPriority = { DelayedWorkQueue, CriticalWorkQueue, HyperCriticalWorkQueue }
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
end)
