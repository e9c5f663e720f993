-- spinlock_release_not_dispatch: a request queue bounded at four entries,
-- filled by a producer thread and drained by a periodic timer DPC. When the
-- queue is full, QueueRequest releases the lock on its error path and then
-- falls through to the common exit, which releases it again. The first
-- release restored PASSIVE_LEVEL, so the second one runs below
-- DISPATCH_LEVEL: the verifier stops the double release (0xC4/0x32,
-- P2 = the IRQL, P4 = 0).
scenario {
  -- /standard without DDI compliance checking (0x20000): with it, the rule
  -- IrqlKeReleaseSpinLock (0x20015) reports the same call first, as on Windows.
  verifier = "/flags 0x9BB /driver reqq.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x32, p2 = PASSIVE_LEVEL, p4 = 0, driver = "reqq.sys" },
}

local MAX_PENDING = 4

local function QueueRequest(Id)
  local Status = STATUS_SUCCESS
  local OldIrql = KeAcquireSpinLock(QueueLock)
  if #Pending >= MAX_PENDING then
    KeReleaseSpinLock(QueueLock, OldIrql)
    Status = STATUS_INSUFFICIENT_RESOURCES
    -- BUG: a C "goto Exit" that should have skipped the release below.
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
    -- The producer submits a burst of six requests before the first drain.
    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      for Id = 1, 6 do
        QueueRequest(Id)
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
