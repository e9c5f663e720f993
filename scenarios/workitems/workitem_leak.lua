-- A work item leaked: a power-meter driver allocates a work item for each
-- sample request and frees it in the routine, except on the path where the
-- meter is busy and the request is dropped before queueing. With pool
-- tracking the work item is the driver's allocation (tag "Vfwi"), so the
-- unload finds it (0xC4/0x62, P4 = 1 allocation left).
scenario {
  verifier = "/flags 0x8 /driver pwrmtr.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x62, p4 = 1, driver = "pwrmtr.sys" },
}

local function SampleWorker(DeviceObject, Context)
  Samples = Samples + 1
  IoFreeWorkItem(Context)
end

local function RequestSample(Busy)
  local Item = IoAllocateWorkItem(Device)
  if Item == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  if Busy then
    return STATUS_DEVICE_BUSY   -- BUG: IoFreeWorkItem(Item) is missing
  end
  IoQueueWorkItem(Item, SampleWorker, DelayedWorkQueue, Item)
  return STATUS_PENDING
end

driver "pwrmtr.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\PwrMtr",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device, Samples = device, 0
    STATUS_DEVICE_BUSY = 0x80000011
    RequestSample(false)
    RequestSample(true)
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pwrmtr.sys"
  Sleep "100ms"
  UnloadDriver "pwrmtr.sys"
end)
