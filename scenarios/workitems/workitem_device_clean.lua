-- Work items, the common pattern: a device object with an extension, an
-- IO_WORKITEM allocated per request from the DPC that notices the event,
-- queued to the delayed work queue, and freed by its own routine, which runs
-- at PASSIVE_LEVEL on a System worker thread. Unload deletes the device
-- while the last item may still be queued: the item references the device,
-- so the image stays until the routine has returned.
scenario {
  verifier = "/standard /driver tempmon.sys",
  expect = "clean",
}

-- DEVICE_EXTENSION: samples taken (ULONG at 0), the last IRQL seen in the
-- worker (ULONG at 4).
local SAMPLES, WORKER_IRQL = 0x0, 0x4

local function SampleWorker(DeviceObject, Context)
  local Extension = DeviceObject.DeviceExtension
  Extension:set_u32(SAMPLES, Extension:u32(SAMPLES) + 1)
  Extension:set_u32(WORKER_IRQL, KeGetCurrentIrql())
  assert(KeGetCurrentIrql() == PASSIVE_LEVEL and PsGetCurrentProcessId() == 4)
  Seen[#Seen + 1] = Context:u32(0)
  -- The item's pointer is read before the context that holds it is freed
  -- (reading it after the free is a use after free, which special pool,
  -- part of /standard, catches as 0xD5).
  local Item = Context:ptr(8)
  ExFreePoolWithTag(Context, "TmpS")
  IoFreeWorkItem(Item)
end

driver "tempmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 8, "\\Device\\TempMon",
                                          FILE_DEVICE_UNKNOWN, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device, Seen = device, {}
    assert(device.Type == 3 and device.StackSize == 1)
    assert(device.Flags & DO_DEVICE_INITIALIZING ~= 0)
    device.Flags = device.Flags & ~DO_DEVICE_INITIALIZING
    -- Every 50 ms a timer DPC takes a sample: too much work for
    -- DISPATCH_LEVEL, so it hands it to a work item.
    Timer, Dpc, Sequence = KTIMER(), KDPC(), 0
    KeInitializeTimer(Timer)
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      local Context = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "TmpS")
      if Context == nil then
        return
      end
      local Item = IoAllocateWorkItem(Device)
      if Item == nil then
        ExFreePoolWithTag(Context, "TmpS")
        return
      end
      Sequence = Sequence + 1
      Context:set_u32(0, Sequence)
      Context:set_ptr(8, Item)
      IoQueueWorkItem(Item, SampleWorker, DelayedWorkQueue, Context)
    end, nil)
    KeSetTimerEx(Timer, -10000 * 50, 50, Dpc)
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(Timer)
      KeFlushQueuedDpcs()
      IoDeleteDevice(Device)   -- a queued item keeps it (and the image) until it has run
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "tempmon.sys"
  Sleep "1s"
  UnloadDriver "tempmon.sys"
  Sleep "100ms"
  assert(#Seen == Sequence, "every queued sample ran: " .. #Seen .. " of " .. Sequence)
  for i = 1, #Seen do
    assert(Seen[i] == i, "in queue order")
  end
end)
