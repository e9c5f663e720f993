-- pool_free_queued_workitem: a NIC driver hands each link-change event to a
-- work item embedded in an event context. Its DPC queues the item, then
-- notices the adapter is halting and frees the context on the spot, with
-- the item still queued: the worker would take it from freed memory. With
-- miscellaneous checks, Driver Verifier stops the free (0xE4
-- WORKER_INVALID, P1 = 0: an active work item freed; P2 the item, P3/P4
-- the block).
scenario {
  verifier = "/flags 0x800 /driver linkmon.sys",
  cpus     = 1,
  expect   = { bugcheck = 0xE4, p1 = 0x0, driver = "linkmon.sys" },
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
      if Halting then
        -- BUG: the item is queued; the worker owns the context now.
        ExFreePoolWithTag(Event, "Link")
      end
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
end)
