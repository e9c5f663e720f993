-- ci_pool_executable (clean twin): the same driver opts in to NX pool
-- (POOL_NX_OPTIN's ExInitializeDriverRuntime), so its NonPagedPool is
-- NonPagedPoolNx, and its ExAllocatePool2 names POOL_FLAG_NON_PAGED: nothing
-- it allocates is executable. Paged pool never is.
scenario {
  verifier = "/flags 0x20209BB /driver ring.sys",
  expect   = "clean",
}

local RING_BYTES = 256

driver "ring.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ExInitializeDriverRuntime(DrvRtPoolNxOptIn)                -- right
    Ring = ExAllocatePoolWithTag(NonPagedPool, RING_BYTES, "Ring")
    if Ring == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Names = ExAllocatePool2(POOL_FLAG_PAGED, 64, "Ring")
    Stats = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, "Ring")
    if Names == nil or Stats == nil then
      if Names ~= nil then ExFreePoolWithTag(Names, "Ring") end
      if Stats ~= nil then ExFreePoolWithTag(Stats, "Ring") end
      ExFreePoolWithTag(Ring, "Ring")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Ring, RING_BYTES)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Stats, "Ring")
      ExFreePoolWithTag(Names, "Ring")
      ExFreePoolWithTag(Ring, "Ring")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "ring.sys"
  Sleep "10ms"
  UnloadDriver "ring.sys"
end)
