-- spinlock_release_not_dispatch, clean twin: when the queue is full,
-- QueueRequest releases the lock once and fails; the producer waits for the
-- next drain and tries again. The driver cancels its timer, flushes the DPC
-- and waits for the producer before it unloads.
scenario {
  verifier = "/standard /driver reqq.sys",
  expect   = "clean",
}

local MAX_PENDING = 4

local function QueueRequest(Id)
  local Status = STATUS_SUCCESS
  local OldIrql = KeAcquireSpinLock(QueueLock)
  if #Pending >= MAX_PENDING then
    Status = STATUS_INSUFFICIENT_RESOURCES
  else
    Pending[#Pending + 1] = Id
  end
  KeReleaseSpinLock(QueueLock, OldIrql)
  return Status
end

driver "reqq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    QueueLock, DrainTimer, DrainDpc = KSPIN_LOCK(), KTIMER(), KDPC()
    Pending, Completed = {}, 0
    KeInitializeSpinLock(QueueLock)
    KeInitializeTimer(DrainTimer)
    KeInitializeDpc(DrainDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeAcquireSpinLockAtDpcLevel(QueueLock)
      Completed = Completed + #Pending
      Pending = {}
      KeReleaseSpinLockFromDpcLevel(QueueLock)
    end, nil)
    KeSetTimerEx(DrainTimer, -10000 * 100, 100, DrainDpc)    -- every 100 ms
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      for Id = 1, 6 do
        while QueueRequest(Id) == STATUS_INSUFFICIENT_RESOURCES do
          KeDelayExecutionThread(KernelMode, false, -10000 * 50)   -- full: back off 50 ms
        end
      end
    end, nil)
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    Producer = object
    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(DrainTimer)
      KeFlushQueuedDpcs()
      KeWaitForSingleObject(Producer, Executive, KernelMode, false, nil)
      ObDereferenceObject(Producer)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "reqq.sys"
  Sleep "1s"
  UnloadDriver "reqq.sys"
end)
