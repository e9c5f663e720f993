-- null_deref: a driver uses an allocation without checking for NULL, and the system thread crashes (0x7E).
scenario {
  memory = "64MB",                          -- a small machine: 128 MB cannot be had
  expect = { bugcheck = 0x7E, p1 = 0xC0000005, driver = "bigbuf.sys" },
}

driver "bigbuf.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Cache = ExAllocatePoolWithTag(NonPagedPoolNx, 128 * 1024 * 1024, "Cach")
    Cache[0] = 0            -- BUG: Cache is NULL; check it, return STATUS_INSUFFICIENT_RESOURCES
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "bigbuf.sys"
end)
