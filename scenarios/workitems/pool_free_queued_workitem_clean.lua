-- pool_free_queued_workitem, clean twin: the NIC driver's DPC queues the
-- link-change work item and leaves the context to it, halting or not; the
-- worker routine reports the change, uninitialises the item and frees the
-- context.
scenario {
  verifier = "/flags 0x800 /driver linkmon.sys",
  cpus     = 1,
  expect   = "clean",
}

-- LINK_EVENT: the new link state at 0, the IO_WORKITEM at 0x10.
local STATE, ITEM = 0x0, 0x10

local function LinkWorker(DeviceObject, Context)
  Reported = Reported + 1
  IoUninitializeWorkItem(Context + ITEM)
  ExFreePoolWithTag(Context, "Link")
end

driver "linkmon.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, nil, FILE_DEVICE_NETWORK, 0, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device, Reported, Halting = device, 0, false
    Dpc = KDPC()
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      local Event = ExAllocatePoolWithTag(NonPagedPoolNx, ITEM + IoSizeofWorkItem(), "Link")
      if Event == nil then
        return
      end
      Event:set_u32(STATE, 1)
      IoInitializeWorkItem(Device, Event + ITEM)
      IoQueueWorkItem(Event + ITEM, LinkWorker, DelayedWorkQueue, Event)
    end, nil)
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "linkmon.sys"
  Sleep "100ms"
  Halting = true
  local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)   -- the link interrupt's DPC
  KeInsertQueueDpc(Dpc, nil, nil)
  KeLowerIrql(OldIrql)
  Sleep "100ms"
  UnloadDriver "linkmon.sys"
  assert(Reported == 1, "the link change was reported")
end)
