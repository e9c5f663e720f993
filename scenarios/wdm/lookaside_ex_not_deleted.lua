-- lookaside_ex_not_deleted: netbuf.sys as lookaside_ex_clean, with an
-- unload routine that forgets ExDeleteLookasideListEx. The four contexts
-- the list holds are still the driver's pool allocations when it unloads,
-- and pool tracking (in /standard) stops the machine:
-- DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4), P1 0x62 (unloaded with
-- allocations outstanding). The clean twin is lookaside_ex_clean.
scenario {
  verifier = "/standard /driver netbuf.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x62, driver = "netbuf.sys" },
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
      -- BUG: no ExDeleteLookasideListEx(Contexts)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netbuf.sys"
  UnloadDriver "netbuf.sys"
end)
