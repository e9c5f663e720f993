-- pool_quota_from_dpc: a driver finishes a request in a DPC it queues from
-- the requesting thread, and allocates the reply there with
-- ExAllocatePoolWithQuotaTag, meaning to charge the requester. But a DPC
-- runs in whatever context the processor was in; the quota would go to an
-- arbitrary process. Pool tracking (0x8) stops it: 0xC4/0x10B.
scenario {
  verifier = "/flags 0x8 /driver replyq.sys",
  cpus     = 1,
  expect   = { bugcheck = 0xC4, p1 = 0x10B, driver = "replyq.sys" },
}

local Dpc, Reply

local function ReplyDpc(Dpc, Context, Arg1, Arg2)
  -- BUG: quota charged from a DPC routine.
  Reply = ExAllocatePool2(POOL_FLAG_NON_PAGED + POOL_FLAG_USE_QUOTA, 128, "Rply")
end

driver "replyq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Dpc = KDPC()
    KeInitializeDpc(Dpc, ReplyDpc, nil)
    KeInsertQueueDpc(Dpc, nil, nil)     -- the "request" completes at once
    DriverObject.DriverUnload = function(DriverObject)
      KeFlushQueuedDpcs()
      if Reply ~= nil then
        ExFreePoolWithTag(Reply, "Rply")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "replyq.sys"
  Sleep "10ms"
  UnloadDriver "replyq.sys"
end)
