-- kwait_too_many, clean twin: the NIC driver's completion thread waits on its
-- five objects with a KWAIT_BLOCK array of its own, allocated from nonpaged
-- pool (one block per object) and freed after the thread has ended. No
-- verifier, as in the trigger.
scenario {
  expect = "clean",
}

local QUEUES = 4
local KWAIT_BLOCK_SIZE = 0x30   -- sizeof(KWAIT_BLOCK) on x64

driver "mqnic.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Stop = KEVENT()
    KeInitializeEvent(Stop, NotificationEvent, false)
    QueueDone, Completions = {}, {}
    for q = 1, QUEUES do
      QueueDone[q] = KEVENT()
      KeInitializeEvent(QueueDone[q], SynchronizationEvent, false)
      Completions[q] = 0
    end
    WaitBlocks = ExAllocatePoolWithTag(NonPagedPoolNx, (QUEUES + 1) * KWAIT_BLOCK_SIZE, "NicW")
    if WaitBlocks == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end

    -- The hardware: every 10 ms one of the queues completes a packet.
    CompletionTimer, CompletionDpc = KTIMER(), KDPC()
    KeInitializeTimer(CompletionTimer)
    KeInitializeDpc(CompletionDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      KeSetEvent(QueueDone[math.random(1, QUEUES)], 0, false)
    end, nil)
    KeSetTimerEx(CompletionTimer, -10000 * 10, 10, CompletionDpc)

    local status, handle = PsCreateSystemThread(0, nil, nil, function(StartContext)
      local Objects = { Stop, QueueDone[1], QueueDone[2], QueueDone[3], QueueDone[4] }
      while true do
        local Status = KeWaitForMultipleObjects(#Objects, Objects, WaitAny, Executive, KernelMode,
                                                false, nil, WaitBlocks)
        if Status == STATUS_WAIT_0 then
          break
        end
        local q = Status - STATUS_WAIT_0      -- STATUS_WAIT_0 + q: QueueDone[q]
        Completions[q] = Completions[q] + 1
      end
      PsTerminateSystemThread(STATUS_SUCCESS)
    end, nil)
    if status ~= STATUS_SUCCESS then
      KeCancelTimer(CompletionTimer)
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(WaitBlocks, "NicW")
      return status
    end
    local _, object = ObReferenceObjectByHandle(handle, 0, nil, KernelMode)
    ZwClose(handle)
    CompletionThread = object

    DriverObject.DriverUnload = function(DriverObject)
      KeCancelTimer(CompletionTimer)
      KeFlushQueuedDpcs()
      KeSetEvent(Stop, 0, false)
      KeWaitForSingleObject(CompletionThread, Executive, KernelMode, false, nil)
      ObDereferenceObject(CompletionThread)
      ExFreePoolWithTag(WaitBlocks, "NicW")   -- only once no wait can use it
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "mqnic.sys"
  Sleep "200ms"
  UnloadDriver "mqnic.sys"
  local Total = 0
  for q = 1, QUEUES do
    Total = Total + Completions[q]
  end
  assert(Total >= 15, "the thread saw the completions")
end)
