-- Clean twin of breakpoint_without_debugger.lua: the driver breaks only when
-- a kernel debugger is there to catch it (KdRefreshDebuggerNotPresent), and
-- a __try whose filter takes only STATUS_BREAKPOINT (GetExceptionCode)
-- guards a second, deliberate breakpoint.
scenario { expect = "clean" }

driver "bringup.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    if not KdRefreshDebuggerNotPresent() then
      DbgBreakPoint()
    end
    local code = __try(function()
      DbgBreakPointWithStatus(0)
      return STATUS_SUCCESS
    end, function(code)
      assert(GetExceptionCode() == code)
      return code
    end, function(code)
      return GetExceptionCode() == STATUS_BREAKPOINT and EXCEPTION_EXECUTE_HANDLER
                                                      or EXCEPTION_CONTINUE_SEARCH
    end)
    assert(code == STATUS_BREAKPOINT, "handled")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "bringup.sys"
  UnloadDriver "bringup.sys"
end)
