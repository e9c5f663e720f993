-- POOL_RAISE_IF_ALLOCATION_FAILURE turns a failed allocation into a structured
-- exception. A driver that asks for it and has no __try around the call
-- crashes when the pool runs out: 0x7E with P1 = STATUS_INSUFFICIENT_RESOURCES.
scenario {
  memory = "1MB",
  expect = { bugcheck = 0x7E, p1 = 0xC000009A, driver = "bigbuf.sys" },
}

driver "bigbuf.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- 4 MB of ring buffer on a machine with 1 MB: the allocation fails, and
    -- raises instead of returning NULL.
    local Ring = ExAllocatePoolWithTag(NonPagedPoolNx | POOL_RAISE_IF_ALLOCATION_FAILURE,
                                       4 * 1024 * 1024, "Ring")
    DriverObject.DriverUnload = function() ExFreePool(Ring) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "bigbuf.sys"
end)
