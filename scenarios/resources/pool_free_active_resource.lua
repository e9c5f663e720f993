-- pool_free_active_resource: a driver allocates a context per open file, with
-- an ERESOURCE in it that guards the file's cached attributes. BUG: the
-- close path frees the context without ExDeleteResourceLite, leaving the
-- resource in the kernel's list of resources, inside freed pool. Driver
-- Verifier's miscellaneous checks stop the free: 0xC4/0xD2, P2 the resource,
-- P3 the pool block, P4 its size. /standard includes special pool, so the
-- block is on a special pool page, which has no POOL_HEADER: P3 is the block
-- and P4 the 0xA0 bytes asked for (in normal pool, the header and 0xB0).
scenario {
  verifier = "/standard /driver filectx.sys",
  expect = { bugcheck = 0xC4, p1 = 0xD2, p4 = 0xA0, driver = "filectx.sys" },
}

driver "filectx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- struct FILE_CONTEXT { LIST_ENTRY Link; ERESOURCE Lock; ULONG Attributes; ... }
    local function OpenContext()
      local Ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 0xA0, "FCtx")
      if Ctx == nil then
        return nil
      end
      ExInitializeResourceLite(Ctx + 0x10)
      return Ctx
    end

    local function CloseContext(Ctx)
      ExFreePoolWithTag(Ctx, "FCtx")      -- BUG: ExDeleteResourceLite(Ctx + 0x10) missing
    end

    local Ctx = OpenContext()
    if Ctx ~= nil then
      KeEnterCriticalRegion()
      ExAcquireResourceSharedLite(Ctx + 0x10, true)
      Attributes = Ctx:u32(0x78)
      ExReleaseResourceLite(Ctx + 0x10)
      KeLeaveCriticalRegion()
      CloseContext(Ctx)
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "filectx.sys"
  UnloadDriver "filectx.sys"
end)
