-- nt_assert_failed.lua's driver with a kernel debugger attached (kd = true, or
-- --kd): the debugger stops on the failed NT_ASSERT and prints it, and the
-- run goes on as after `g`: no bug check. The assertion is in debug_output.
scenario { build = "checked", kd = true, expect = "clean" }

local function Complete(Counter)
  NT_ASSERTMSG("completing a request that is not outstanding", Counter.Outstanding > 0)
  Counter.Outstanding = Counter.Outstanding - 1
end

driver "count.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Counter = { Outstanding = 1 }
    Complete(Counter)
    Complete(Counter)                        -- the same bug; the debugger reports it
    assert(NT_VERIFY(Counter.Outstanding == 0) == false)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "count.sys"
  UnloadDriver "count.sys"
end)
