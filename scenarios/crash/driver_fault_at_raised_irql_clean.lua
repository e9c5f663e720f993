-- driver_fault_at_raised_irql (clean twin): the ring index wraps modulo the ring size, so the slot stays in the buffer.
scenario {
  expect = "clean",
}

local RING_ENTRIES, ENTRY_SIZE = 64, 16

-- Rewrites the newest entry's status, as the completion DPC does (at DISPATCH_LEVEL).
local function MarkNewestComplete(Ring)
  local OldIrql = KeRaiseIrqlToDpcLevel()
  local Newest = (Ring.Tail + RING_ENTRIES - 1) % RING_ENTRIES   -- right: wraps inside the ring
  Ring.Base[Newest * ENTRY_SIZE] = 0xC0     -- Entry->Status = COMPLETE
  KeLowerIrql(OldIrql)
end

driver "ringbuf.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ring = { Base = ExAllocatePoolWithTag(NonPagedPoolNx, RING_ENTRIES * ENTRY_SIZE, "Ring"),
             Tail = 0 }
    if Ring.Base == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    MarkNewestComplete(Ring)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Ring.Base, "Ring")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ringbuf.sys"
  Sleep "10ms"
  UnloadDriver "ringbuf.sys"
end)
