-- kdpc_in_freed_memory, clean twin: the cancel path queues each read's
-- completion DPC and leaves the context to it: the DPC reports the status
-- and frees the block it lives in, which is allowed, since the kernel is
-- done with a KDPC once its routine runs. Unload waits for the DPCs with
-- KeFlushQueuedDpcs.
scenario {
  expect = "clean",
}

-- READ_CONTEXT: KDPC at 0 (0x40 bytes on x64), the read's id at 0x40, its
-- final status at 0x44.
local DPC, ID, STATUS = 0x00, 0x40, 0x44
local CONTEXT_SIZE = 0x48
local STATUS_CANCELLED = 0xC0000120   -- ntstatus.h

local function QueueRead(Id)
  local Read = ExAllocatePoolWithTag(NonPagedPoolNx, CONTEXT_SIZE, "SerR")
  if Read == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  Read:set_u32(ID, Id)
  Read:set_u32(STATUS, STATUS_PENDING)
  KeInitializeDpc(Read + DPC, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
    if DeferredContext:u32(STATUS) == STATUS_CANCELLED then
      Cancelled = Cancelled + 1   -- reports the read's status to its caller
    end
    ExFreePoolWithTag(DeferredContext, "SerR")
  end, Read)
  local OldIrql = KeAcquireSpinLock(ReadLock)
  Reads[#Reads + 1] = Read
  KeReleaseSpinLock(ReadLock, OldIrql)
  return STATUS_PENDING
end

local function CancelReads()
  local OldIrql = KeAcquireSpinLock(ReadLock)
  while #Reads > 0 do
    local Read = table.remove(Reads)
    Read:set_u32(STATUS, STATUS_CANCELLED)
    KeInsertQueueDpc(Read + DPC, nil, nil)
  end
  KeReleaseSpinLock(ReadLock, OldIrql)
end

driver "serrd.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ReadLock = KSPIN_LOCK()
    Reads, Cancelled = {}, 0
    KeInitializeSpinLock(ReadLock)
    for Id = 1, 3 do
      QueueRead(Id)
    end
    DriverObject.DriverUnload = function(DriverObject)
      CancelReads()
      KeFlushQueuedDpcs()
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "serrd.sys"
  Sleep "1s"
  UnloadDriver "serrd.sys"
  assert(Cancelled == 3, "every read cancelled: " .. Cancelled)
end)
