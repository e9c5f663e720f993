-- exworkitem_queued_twice_clean: the clean twin of exworkitem_queued_twice.
-- Both paths queue the close item through one helper that remembers the
-- item is queued (until its routine runs) and does not queue it again.
scenario {
  verifier = "/standard /driver fatfs.sys",
}

driver "fatfs.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    CloseItem = WORK_QUEUE_ITEM()
    CloseDone = KEVENT()
    KeInitializeEvent(CloseDone, NotificationEvent, false)
    local Queued = false
    ExInitializeWorkItem(CloseItem, function(Context)
      Queued = false
      KeSetEvent(CloseDone, 0, false)
    end, nil)
    local function QueueClose()
      if not Queued then
        Queued = true
        ExQueueWorkItem(CloseItem, DelayedWorkQueue)
      end
    end
    QueueClose()                                        -- the close path
    QueueClose()                                        -- the flush path: already queued
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
