-- workitem_pageable, clean twin: the storage filter allocates each flush
-- context, with its embedded IO_WORKITEM, from nonpaged pool; the worker
-- routine uninitialises the item and frees the context. Unload deletes the
-- device; the run checks every flush ran.
scenario {
  verifier = "/standard /driver flushflt.sys",
  expect   = "clean",
}

-- FLUSH_CONTEXT: the volume number at 0, the IO_WORKITEM at 0x10.
local VOLUME, ITEM = 0x0, 0x10

local function FlushWorker(DeviceObject, Context)
  Flushed = Flushed + 1
  IoUninitializeWorkItem(Context + ITEM)
  ExFreePoolWithTag(Context, "Flsh")
end

local function QueueFlush(Volume)
  local Context = ExAllocatePoolWithTag(NonPagedPoolNx, ITEM + IoSizeofWorkItem(), "Flsh")
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
    QueueFlush(2)
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
  assert(Flushed == 2, "both flushes ran: " .. Flushed)
end)
