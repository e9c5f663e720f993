-- ExAllocatePoolWithQuotaTag raises on failure unless the caller passes
-- POOL_QUOTA_FAIL_INSTEAD_OF_RAISE: a driver that checks for NULL instead
-- crashes when the pool is short (0x7E, P1 = STATUS_INSUFFICIENT_RESOURCES).
scenario {
  memory = "1MB",
  expect = { bugcheck = 0x7E, p1 = 0xC000009A, driver = "qalloc.sys" },
}

driver "qalloc.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Buffer = ExAllocatePoolWithQuotaTag(PagedPool, 2 * 1024 * 1024, "QBuf")
    if Buffer == nil then -- BUG: never reached; the call raises instead
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function() ExFreePool(Buffer) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "qalloc.sys"
end)
