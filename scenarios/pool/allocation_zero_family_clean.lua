-- The allocation wrappers wdm.h defines inline (WDK for Windows 10, version
-- 2004): ExAllocatePoolZero and its family are ExAllocatePoolWithTag,
-- ExAllocatePoolWithQuotaTag and ExAllocatePoolWithTagPriority with the
-- memory zeroed or not; ExInitializeDriverRuntime(DrvRtPoolNxOptIn) makes the
-- driver's NonPagedPool mean NonPagedPoolNx (POOL_NX_OPTIN). Under pool
-- tracking every block is the driver's, and freeing them all is clean.
scenario { verifier = "/flags 0x8 /driver zero.sys", expect = "clean" }

local blocks = {}

driver "zero.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    ExInitializeDriverRuntime(DrvRtPoolNxOptIn)
    local function keep(p, size, zeroed)
      assert(p ~= nil, "allocated")
      if zeroed then
        for i = 0, size - 1 do assert(p[i] == 0, "zeroed") end
      end
      blocks[#blocks + 1] = p
      return p
    end
    keep(ExAllocatePoolZero(NonPagedPool, 48, "Zero"), 48, true)
    keep(ExAllocatePoolZero(PagedPool, 4096, "Zero"), 4096, true)
    keep(ExAllocatePoolQuotaZero(NonPagedPool | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE, 32, "Quot"), 32, true)
    keep(ExAllocatePoolPriorityZero(PagedPool, 200, "Prio", NormalPoolPriority), 200, true)
    -- The uninitialised forms keep what the pool had: not zero (drvsim fills
    -- fresh pool with a pattern, as the kernel gives no guarantee).
    local u = keep(ExAllocatePoolUninitialized(NonPagedPool, 64, "Unin"), 64, false)
    assert(u[0] ~= 0, "uninitialised")
    keep(ExAllocatePoolQuotaUninitialized(PagedPool | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE, 16, "Unin"), 16, false)
    keep(ExAllocatePoolPriorityUninitialized(NonPagedPool, 16, "Unin", LowPoolPriority), 16, false)
    DriverObject.DriverUnload = function()
      for _, p in ipairs(blocks) do ExFreePool(p) end
    end
    return STATUS_SUCCESS
  end,
}

run(function() LoadDriver "zero.sys"; UnloadDriver "zero.sys" end)
