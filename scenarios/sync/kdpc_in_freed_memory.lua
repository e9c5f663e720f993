-- kdpc_in_freed_memory: a serial driver keeps pending reads on a list under
-- a spin lock; each read's context, in nonpaged pool, holds the KDPC that
-- completes it. The cancel path, still holding the lock (DISPATCH_LEVEL),
-- queues the read's completion DPC to report STATUS_CANCELLED and then
-- frees the context itself. The DPC cannot run before the lock is released,
-- so it is still queued inside the block being freed: ExFreePool stops with
-- TIMER_OR_DPC_INVALID (0xC7/0x1, P2 the DPC, P3..P4 the range freed). No
-- verifier here; Driver Verifier has no check of its own for this, so with
-- it the kernel's check fires just the same.
scenario {
  expect = { bugcheck = 0xC7, p1 = 0x1, driver = "serrd.sys" },
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
    -- BUG: the DPC queued above lives in this block; it should free it.
    ExFreePoolWithTag(Read, "SerR")
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
end)
