-- breakpoint_without_debugger_arbitrary: a DPC routine with a bring-up
-- breakpoint. Without a kernel debugger the STATUS_BREAKPOINT exception is
-- unhandled in a DPC, whose stack has no handler: KMODE_EXCEPTION_NOT_HANDLED
-- (0x1E, P1 = 0x80000003).
scenario { expect = { bugcheck = 0x1E, p1 = 0x80000003, driver = "dpcbrk.sys" } }

driver "dpcbrk.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Dpc = KDPC()
    KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
      DbgBreakPoint()                        -- BUG: left in from bring-up
    end, nil)
    KeInsertQueueDpc(Dpc, nil, nil)
    DriverObject.DriverUnload = function(DriverObject) KeFlushQueuedDpcs() end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "dpcbrk.sys"
  Sleep "10ms"
  UnloadDriver "dpcbrk.sys"
end)
