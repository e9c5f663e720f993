-- special_pool_free_below_block_clean: the twin of special_pool_free_below_block.
-- CONTAINING_RECORD uses the real offset of the link, 16.
scenario {
  verifier = "/flags 0x1 /driver qctx.sys",
  expect   = "clean",
}

local LINK_OFFSET = 16     -- FIELD_OFFSET(QUEUE_CONTEXT, Link)

driver "qctx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 48, "QCtx")
    if Ctx == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Entry = Ctx + LINK_OFFSET
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Entry - LINK_OFFSET, "QCtx")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "qctx.sys"
  Sleep "10ms"
  UnloadDriver "qctx.sys"
end)
