-- paged_code_raised_irql_arbitrary: a checked build of a driver whose
-- completion DPC calls a pageable logging helper (PAGED_CODE() first). A
-- DPC runs at DISPATCH_LEVEL: NT_ASSERT(KeGetCurrentIrql() <= APC_LEVEL)
-- fails, and the STATUS_ASSERTION_FAILURE exception is unhandled on the DPC
-- stack: KMODE_EXCEPTION_NOT_HANDLED (0x1E, P1 = 0xC0000420).
scenario {
  build = "checked",
  expect = { bugcheck = 0x1E, p1 = 0xC0000420, driver = "log.sys" },
}

local function LogCompletion(Log, Count)
  PAGED_CODE()
  Log[#Log + 1] = Count
end

driver "log.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Log, Completed = {}, 0
    Dpc = KDPC()
    KeInitializeDpc(Dpc, function(Dpc, DeferredContext, Arg1, Arg2)
      Completed = Completed + 1
      LogCompletion(Log, Completed)           -- BUG: pageable code in a DPC
    end, nil)
    KeInsertQueueDpc(Dpc, nil, nil)
    DriverObject.DriverUnload = function(DriverObject) KeFlushQueuedDpcs() end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "log.sys"
  Sleep "10ms"
  UnloadDriver "log.sys"
end)
