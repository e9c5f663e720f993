-- pool_free_active_resource_clean: the file-context driver of
-- pool_free_active_resource deleting each context's ERESOURCE before it
-- frees the context, for a few files opened and closed in turn.
scenario {
  verifier = "/standard /driver filectx.sys",
  expect = "clean",
}

driver "filectx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local function OpenContext()
      local Ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 0xA0, "FCtx")
      if Ctx == nil then
        return nil
      end
      ExInitializeResourceLite(Ctx + 0x10)
      return Ctx
    end

    local function CloseContext(Ctx)
      ExDeleteResourceLite(Ctx + 0x10)
      ExFreePoolWithTag(Ctx, "FCtx")
    end

    for i = 1, 3 do
      local Ctx = OpenContext()
      if Ctx ~= nil then
        KeEnterCriticalRegion()
        ExAcquireResourceExclusiveLite(Ctx + 0x10, true)
        Ctx:set_u32(0x78, i)
        ExConvertExclusiveToSharedLite(Ctx + 0x10)
        Attributes = Ctx:u32(0x78)
        ExReleaseResourceLite(Ctx + 0x10)
        KeLeaveCriticalRegion()
        CloseContext(Ctx)
      end
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "filectx.sys"
  UnloadDriver "filectx.sys"
end)
