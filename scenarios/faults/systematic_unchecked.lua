-- systematic_unchecked: a lookup table allocated in DriverEntry and used
-- without a check. Random low resources simulation (/flags 0x4) fails
-- nothing in the 7 minutes after boot, so it never reaches this call;
-- systematic low resources simulation (/flags 0x40000) fails the first
-- call from every stack, from boot, and this one is the first: the driver
-- writes through NULL on every run, whatever the seed.
scenario {
  verifier = "/flags 0x40000 /driver lookup.sys",
  expect = { bugcheck = 0x50, driver = "lookup.sys" },
}

driver "lookup.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Table = ExAllocatePool2(POOL_FLAG_NON_PAGED, 256, "Lkup")
    -- BUG: no check for NULL.
    RtlFillMemory(Table, 256, 0xFF)
    ExFreePoolWithTag(Table, "Lkup")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "lookup.sys"
  UnloadDriver "lookup.sys"
end)
