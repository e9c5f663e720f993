-- paged_code_raised_irql_arbitrary_clean: the completion DPC only counts
-- (nonpaged work); the pageable logging helper runs at PASSIVE_LEVEL on
-- the unload path, after the DPC has been flushed.
scenario { build = "checked", expect = "clean" }

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
    end, nil)
    KeInsertQueueDpc(Dpc, nil, nil)
    DriverObject.DriverUnload = function(DriverObject)
      KeFlushQueuedDpcs()
      LogCompletion(Log, Completed)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "log.sys"
  Sleep "10ms"
  UnloadDriver "log.sys"
end)
