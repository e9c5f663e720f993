-- Clean twin of nt_assert_failed.lua: each request is completed once, so every
-- NT_ASSERT holds in the checked build; NT_VERIFY keeps its condition in
-- every build and gives TRUE or FALSE.
scenario { build = "checked", expect = "clean" }

local function Complete(Counter)
  NT_ASSERTMSG("completing a request that is not outstanding", Counter.Outstanding > 0)
  Counter.Outstanding = Counter.Outstanding - 1
end

driver "count.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Counter = { Outstanding = 1 }
    Complete(Counter)
    NT_ASSERT(Counter.Outstanding == 0)
    assert(NT_VERIFY(Counter.Outstanding == 0) == true)
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "count.sys"
  UnloadDriver "count.sys"
end)
