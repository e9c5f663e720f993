-- exworkitem_clean: fatfs.sys defers its cleanup as fastfat does, with the
-- executive's own work items: ExInitializeWorkItem fills a WORK_QUEUE_ITEM
-- (its routine gets the Parameter alone) and ExQueueWorkItem hands it to a
-- system worker thread at PASSIVE_LEVEL. The routine may queue its item
-- again once it runs (the item left the queue when the worker took it).
-- The driver waits for the work with KeWaitForMutexObject, which is
-- wdm.h's name for KeWaitForSingleObject, on a KMUTEX the routine releases.
-- An executive work item references nothing, so the driver must not unload
-- before its routines return (why IoAllocateWorkItem replaced them): this
-- one waits for its event in DriverUnload.
scenario {
  verifier = "/standard /driver fatfs.sys",
}

driver "fatfs.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    CloseItem = WORK_QUEUE_ITEM()
    CloseDone = KEVENT()
    VolumeMutex = KMUTEX()
    KeInitializeEvent(CloseDone, NotificationEvent, false)
    KeInitializeMutex(VolumeMutex, 0)
    Runs = 0

    local Parameter = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "FatW")
    ExInitializeWorkItem(CloseItem, function(Context)
      assert(Context == Parameter, "the routine gets the Parameter")
      assert(KeGetCurrentIrql() == PASSIVE_LEVEL and PsGetCurrentProcessId() == 4)
      assert(KeWaitForMutexObject(VolumeMutex, Executive, KernelMode, false, nil) ==
             STATUS_SUCCESS)
      Runs = Runs + 1
      KeReleaseMutex(VolumeMutex, false)
      if Runs < 3 then
        ExQueueWorkItem(CloseItem, DelayedWorkQueue)   -- again, from its own routine
      else
        KeSetEvent(CloseDone, 0, false)
      end
    end, Parameter)
    local Item = WORK_QUEUE_ITEM(CloseItem)
    assert(Item.List == nil and Item.Parameter == Parameter)
    ExQueueWorkItem(CloseItem, DelayedWorkQueue)

    DriverObject.DriverUnload = function(DriverObject)
      KeWaitForSingleObject(CloseDone, Executive, KernelMode, false, nil)
      assert(Runs == 3)
      ExFreePoolWithTag(Parameter, "FatW")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fatfs.sys"
  UnloadDriver "fatfs.sys"
end)
