-- driver_fault_at_raised_irql: at DISPATCH_LEVEL a driver writes a ring slot whose ULONG index underflowed, far outside any mapping (0xD1).
scenario {
  -- P1 is the address referenced; P2 the IRQL; P3 1 = a write.
  expect = { bugcheck = 0xD1, p2 = DISPATCH_LEVEL, p3 = 1, driver = "ringbuf.sys" },
}

local RING_ENTRIES, ENTRY_SIZE = 64, 16

-- Rewrites the newest entry's status, as the completion DPC does (at DISPATCH_LEVEL).
local function MarkNewestComplete(Ring)
  local OldIrql = KeRaiseIrqlToDpcLevel()
  -- BUG: ULONG arithmetic. With an empty ring, Ring.Tail is 0 and Tail - 1
  -- wraps to 0xFFFFFFFF instead of RING_ENTRIES - 1; the slot is ~64 GB
  -- past the buffer. Should be (Tail + RING_ENTRIES - 1) % RING_ENTRIES.
  local Newest = (Ring.Tail - 1) & 0xFFFFFFFF
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
