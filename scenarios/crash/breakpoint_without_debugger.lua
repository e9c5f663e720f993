-- breakpoint_without_debugger: a driver shipped with the breakpoint its
-- author used while bringing it up: DriverEntry calls DbgBreakPoint() in
-- every build. With a kernel debugger attached it stops there; on a machine
-- without one (every customer's), int 3 is an ordinary STATUS_BREAKPOINT
-- exception, unhandled on the system thread that runs DriverEntry:
-- SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0x7E, P1 = 0x80000003).
scenario { expect = { bugcheck = 0x7E, p1 = 0x80000003, driver = "bringup.sys" } }

driver "bringup.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    DbgBreakPoint()                          -- BUG: left in from bring-up
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "bringup.sys"
  UnloadDriver "bringup.sys"
end)
