-- raise_on_failure, clean twin: the driver wraps the allocation in __try and
-- fails DriverEntry with the exception code, as a careful C driver does with
-- __try / __except around a raising allocation.
scenario {
  memory = "1MB",
  expect = "clean",
}

driver "bigbuf.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Ring
    local status = __try(function()
      Ring = ExAllocatePoolWithTag(NonPagedPoolNx | POOL_RAISE_IF_ALLOCATION_FAILURE,
                                   4 * 1024 * 1024, "Ring")
      return STATUS_SUCCESS
    end, function(code)
      return code -- __except (EXCEPTION_EXECUTE_HANDLER)
    end)
    if status ~= STATUS_SUCCESS then
      return status
    end
    DriverObject.DriverUnload = function() ExFreePool(Ring) end
    return STATUS_SUCCESS
  end,
}

run(function()
  local status = LoadDriver "bigbuf.sys"
  assert(status == STATUS_INSUFFICIENT_RESOURCES, "DriverEntry failed cleanly")
end)
