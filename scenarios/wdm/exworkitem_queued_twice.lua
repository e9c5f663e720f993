-- exworkitem_queued_twice: fatfs.sys queues its close work item from two
-- paths, and the second ExQueueWorkItem comes while the first is still
-- waiting for a worker. The executive finds the item's List.Flink set (it
-- is on a queue) and stops the machine: WORKER_INVALID (0xE4), P1 1 (an
-- active worker item queued), P2 the item, P3 the queue it is on
-- (DelayedWorkQueue, 1). The clean twin is exworkitem_queued_twice_clean.
scenario {
  verifier = "/standard /driver fatfs.sys",
  expect   = { bugcheck = 0xE4, p1 = 1, p3 = 1, driver = "fatfs.sys" },
}

driver "fatfs.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    CloseItem = WORK_QUEUE_ITEM()
    CloseDone = KEVENT()
    KeInitializeEvent(CloseDone, NotificationEvent, false)
    ExInitializeWorkItem(CloseItem, function(Context)
      KeSetEvent(CloseDone, 0, false)
    end, nil)
    ExQueueWorkItem(CloseItem, DelayedWorkQueue)        -- the close path
    ExQueueWorkItem(CloseItem, DelayedWorkQueue)        -- BUG: the flush path, still queued
    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(CloseDone, Executive, KernelMode, false, nil)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fatfs.sys"
  UnloadDriver "fatfs.sys"
end)
