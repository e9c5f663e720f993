-- lookaside_block_too_small, clean twin: the packet classifier's counter
-- blocks are 16 bytes (the ULONG counter and its flow id, padded to what a
-- free block's link needs); eight flows come and go through the list, and
-- unload deletes it.
scenario {
  verifier = "/standard /driver pktcls.sys",
  expect   = "clean",
}

local COUNTER_BYTES = 16  -- ULONG Hits, ULONG FlowId, padding: room for an SLIST_ENTRY

driver "pktcls.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Counters = NPAGED_LOOKASIDE_LIST()
    ExInitializeNPagedLookasideList(Counters, nil, nil, POOL_NX_ALLOCATION, COUNTER_BYTES,
                                    "PkCn", 0)
    Flows = {}
    for Flow = 1, 8 do
      local Counter = ExAllocateFromNPagedLookasideList(Counters)
      if Counter ~= nil then
        Counter:set_u32(0, 0)
        Counter:set_u32(4, Flow)
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
