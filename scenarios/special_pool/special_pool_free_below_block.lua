-- special_pool_free_below_block: CONTAINING_RECORD with a stale offset. A
-- driver queues contexts by a LIST_ENTRY at offset 16 of its context; an old
-- header still says 32, so the unload path computes the context as Entry - 32,
-- 16 bytes before the block, and frees that. Special pool finds the address
-- before the block's start on its page: 0xC1 with P4 = 0x22, P2 the bytes
-- asked for (48).
scenario {
  verifier = "/flags 0x1 /driver qctx.sys",
  expect   = { bugcheck = 0xC1, p2 = 48, p4 = 0x22, driver = "qctx.sys" },
}

local LINK_OFFSET = 16     -- FIELD_OFFSET(QUEUE_CONTEXT, Link)
local OLD_LINK_OFFSET = 32 -- what the stale header says

driver "qctx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 48, "QCtx")
    if Ctx == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Entry = Ctx + LINK_OFFSET
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Entry - OLD_LINK_OFFSET, "QCtx") -- BUG: the offset is 16
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "qctx.sys"
  Sleep "10ms"
  UnloadDriver "qctx.sys"
end)
