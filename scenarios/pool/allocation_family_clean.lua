-- The allocation family's semantics, as the WDK documents them: ExAllocatePool2
-- zeroes unless POOL_FLAG_UNINITIALIZED, refuses bad flags and tag 0 with NULL
-- (not a bug check), raises with POOL_FLAG_RAISE_ON_FAILURE; __try catches a
-- structured exception; the Rtl memory routines; quota allocations.
scenario { verifier = "/flags 0x8 /driver a2.sys", expect = "clean" }

driver "a2.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, "A2  ")
    assert(p ~= nil and p[0] == 0 and p[63] == 0, "ExAllocatePool2 zeroes")
    local u = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED, 64, "A2  ")
    assert(u[0] ~= 0, "unless told not to")
    assert(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 64, "A2  ") == nil, "two pool types fail")
    assert(ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, 0) == nil, "tag 0 fails, no bug check")
    local code = __try(function()
      ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_RAISE_ON_FAILURE | 0x1000, 64, "A2  ")
      return 0
    end, function(code) return code end)
    assert(code == STATUS_INVALID_PARAMETER, string.format("raised 0x%X", code))
    RtlFillMemory(u, 64, 0x41)
    RtlCopyMemory(p, u, 64)
    assert(RtlCompareMemory(p, u, 64) == 64 and RtlEqualMemory(p, u, 64))
    assert(p:read(0, 4) == "AAAA")
    RtlZeroMemory(p, 32)
    assert(RtlCompareMemory(p, u, 64) == 0)
    local q = ExAllocatePoolWithQuotaTag(PagedPool, 100, "Quot")
    local s = __try(function() ExRaiseStatus(0xC0000022) end, function(c) return c end)
    assert(s == 0xC0000022)
    DriverObject.DriverUnload = function()
      ExFreePool(p); ExFreePool(u); ExFreePool(q)
    end
    return STATUS_SUCCESS
  end,
}
run(function() LoadDriver "a2.sys"; UnloadDriver "a2.sys" end)
