-- ci_pool_executable: an older driver keeps its ring of descriptors in
-- NonPagedPool, which is executable memory; built without POOL_NX_OPTIN and
-- verified with code integrity checks (with /standard's options too), its
-- allocation is 0xC4/0x2000 (P3 the pool type, P4 the tag).
scenario {
  verifier = "/flags 0x20209BB /driver ring.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x2000, p3 = NonPagedPool, p4 = 0x676E6952 --[[ "Ring" ]],
               driver = "ring.sys" },
}

local RING_BYTES = 256

driver "ring.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- BUG: NonPagedPool can be executed; ask for NonPagedPoolNx (or build
    -- with POOL_NX_OPTIN and call ExInitializeDriverRuntime).
    Ring = ExAllocatePoolWithTag(NonPagedPool, RING_BYTES, "Ring")
    if Ring == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Ring, RING_BYTES)
    DriverObject.DriverUnload = function(DriverObject)
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
