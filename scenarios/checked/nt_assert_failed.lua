-- nt_assert_failed: a checked build of a driver whose completion path asserts,
-- with the WDK's NT_ASSERT, that a request it completes is still counted as
-- outstanding. DriverEntry completes one request twice. NT_ASSERT is
-- DbgRaiseAssertionFailure (int 2c): with no kernel debugger attached the
-- STATUS_ASSERTION_FAILURE exception is not handled, on a system thread:
-- 0x7E with P1 = 0xC0000420. A free build compiles the assertion away.
scenario {
  build = "checked",
  expect = { bugcheck = 0x7E, p1 = 0xC0000420, driver = "count.sys" },
}

local function Complete(Counter)
  NT_ASSERTMSG("completing a request that is not outstanding", Counter.Outstanding > 0)
  Counter.Outstanding = Counter.Outstanding - 1
end

driver "count.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Counter = { Outstanding = 1 }
    Complete(Counter)
    Complete(Counter)                        -- BUG: the same request completed twice
    NT_ASSERT(Counter.Outstanding == 0)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "count.sys"
  UnloadDriver "count.sys"
end)
