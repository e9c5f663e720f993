-- Clean twin of breakpoint_without_debugger_arbitrary.lua: the same DPC with
-- a kernel debugger attached (kd = true, or --kd): the debugger stops on the
-- breakpoint, prints it, and the DPC goes on.
scenario { kd = true, expect = "clean" }

driver "dpcbrk.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Dpc = KDPC()
    KeInitializeDpc(Dpc, function(Dpc, Context, Arg1, Arg2)
      DbgBreakPoint()
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
