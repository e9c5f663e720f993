-- gflags_all_unverified: GFlags "+spp *" puts every allocation below a page
-- in special pool, for every driver, verified or not. legacy.sys is not
-- verified at all; its use after free of a work context (it frees the
-- context, then clears its "busy" flag) would go unseen in normal pool, but
-- the freed special pool page is unmapped: 0xD5, P2 1 (a write).
scenario {
  gflags = "+spp *",
  expect = { bugcheck = 0xD5, p2 = 1, driver = "legacy.sys" },
}

driver "legacy.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Work = ExAllocatePoolWithTag(NonPagedPoolNx, 0x58, "LgWk")
    if Work == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Work:set_u32(0, 1) -- busy
    ExFreePoolWithTag(Work, "LgWk")
    Work:set_u32(0, 0) -- BUG: the context is freed
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "legacy.sys"
  Sleep "10ms"
  UnloadDriver "legacy.sys"
end)
