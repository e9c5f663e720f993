-- workitem_pageable: a storage filter keeps one request context per flush,
-- with its IO_WORKITEM embedded (IoInitializeWorkItem on IoSizeofWorkItem()
-- bytes of the context), but allocates the context from paged pool. The
-- worker takes queued items at DISPATCH_LEVEL, where pageable memory may
-- not be touched: Driver Verifier stops the queueing (0xC4/0x131, P2 = the
-- work item).
scenario {
  verifier = "/standard /driver flushflt.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x131, driver = "flushflt.sys" },
}

-- FLUSH_CONTEXT: the volume number at 0, the IO_WORKITEM at 0x10.
local VOLUME, ITEM = 0x0, 0x10

local function FlushWorker(DeviceObject, Context)
  Flushed = Flushed + 1
  IoUninitializeWorkItem(Context + ITEM)
  ExFreePoolWithTag(Context, "Flsh")
end

local function QueueFlush(Volume)
  -- BUG: PagedPool; the context holds a work item, so it must be nonpaged.
  local Context = ExAllocatePoolWithTag(PagedPool, ITEM + IoSizeofWorkItem(), "Flsh")
  if Context == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  Context:set_u32(VOLUME, Volume)
  IoInitializeWorkItem(Device, Context + ITEM)
  IoQueueWorkItem(Context + ITEM, FlushWorker, DelayedWorkQueue, Context)
  return STATUS_PENDING
end

driver "flushflt.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local status, device = IoCreateDevice(DriverObject, 0, "\\Device\\FlushFlt",
                                          FILE_DEVICE_DISK, FILE_DEVICE_SECURE_OPEN, false)
    if status ~= STATUS_SUCCESS then
      return status
    end
    Device, Flushed = device, 0
    Device.Flags = Device.Flags & ~DO_DEVICE_INITIALIZING
    QueueFlush(1)
    DriverObject.DriverUnload = function(DriverObject)
      IoDeleteDevice(Device)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "flushflt.sys"
  Sleep "100ms"
  UnloadDriver "flushflt.sys"
end)
