-- lookaside_block_too_small: a packet classifier keeps per-flow hit
-- counters, one ULONG each, and gives them a lookaside list of 4-byte
-- blocks. A free block holds the list's link (an SLIST_ENTRY, 16 bytes on
-- x64), which cannot fit: Driver Verifier stops the initialisation
-- (0xC4/0xCD, P2 = the list, P3 = the size asked for, P4 = the minimum).
scenario {
  verifier = "/standard /driver pktcls.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xCD, p3 = 4, p4 = 16, driver = "pktcls.sys" },
}

local COUNTER_BYTES = 4   -- sizeof(ULONG)

driver "pktcls.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Counters = NPAGED_LOOKASIDE_LIST()
    -- BUG: a block must be able to hold an SLIST_ENTRY while it is free.
    ExInitializeNPagedLookasideList(Counters, nil, nil, POOL_NX_ALLOCATION, COUNTER_BYTES,
                                    "PkCn", 0)
    Flows = {}
    for Flow = 1, 8 do
      local Counter = ExAllocateFromNPagedLookasideList(Counters)
      if Counter ~= nil then
        Counter:set_u32(0, 0)
        Flows[Flow] = Counter
      end
    end
    DriverObject.DriverUnload = function(DriverObject)
      for _, Counter in ipairs(Flows) do
        ExFreeToNPagedLookasideList(Counters, Counter)
      end
      ExDeleteNPagedLookasideList(Counters)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pktcls.sys"
  Sleep "2s"
  UnloadDriver "pktcls.sys"
end)
