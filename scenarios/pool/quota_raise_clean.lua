-- quota_raise, clean twin: POOL_QUOTA_FAIL_INSTEAD_OF_RAISE makes the call
-- return NULL, which the driver handles.
scenario {
  memory = "1MB",
  expect = "clean",
}

driver "qalloc.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Buffer = ExAllocatePoolWithQuotaTag(PagedPool | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE,
                                              2 * 1024 * 1024, "QBuf")
    if Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function() ExFreePool(Buffer) end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "qalloc.sys" == STATUS_INSUFFICIENT_RESOURCES)
end)
