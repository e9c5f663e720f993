-- lookaside_ex_clean: netbuf.sys keeps its receive contexts in a
-- LOOKASIDE_LIST_EX, as NDIS and storage samples do:
-- ExInitializeLookasideListEx with a pool type of its choice
-- (NonPagedPoolNx) and EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL,
-- ExAllocateFromLookasideListEx / ExFreeToLookasideListEx on the hot path,
-- ExDeleteLookasideListEx at unload, which gives the blocks it holds back
-- to the pool. The list's counters are in its GENERAL_LOOKASIDE_POOL
-- fields. Flags that contradict each other are STATUS_INVALID_PARAMETER.
scenario {
  verifier = "/standard /driver netbuf.sys",
}

local CONTEXT_SIZE = 0x90

driver "netbuf.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Contexts = LOOKASIDE_LIST_EX()
    assert(ExInitializeLookasideListEx(Contexts, nil, nil, NonPagedPoolNx,
                                       EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL |
                                       EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE,
                                       CONTEXT_SIZE, "NbRx", 0) == STATUS_INVALID_PARAMETER)
    assert(ExInitializeLookasideListEx(Contexts, nil, nil, NonPagedPoolNx,
                                       EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL,
                                       CONTEXT_SIZE, "NbRx", 0) == STATUS_SUCCESS)
    for round = 1, 3 do
      local Held = {}
      for i = 1, 4 do
        Held[i] = ExAllocateFromLookasideListEx(Contexts)
        assert(Held[i] ~= nil)
        RtlZeroMemory(Held[i], CONTEXT_SIZE)
      end
      for i = 1, 4 do
        ExFreeToLookasideListEx(Contexts, Held[i])
      end
    end
    assert(Contexts.TotalAllocates == 12 and Contexts.AllocateMisses == 4,
           "the first round missed, the others reused: " .. Contexts.AllocateMisses)
    assert(Contexts.Size == CONTEXT_SIZE and Contexts.Tag == TAG_FROM_C "xRbN")
    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteLookasideListEx(Contexts)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netbuf.sys"
  UnloadDriver "netbuf.sys"
end)
