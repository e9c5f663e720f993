-- pool_quota_from_dpc (clean twin): the reply is allocated, with quota, by
-- the requesting thread before it queues the DPC, in the requester's own
-- context; the DPC only fills it in.
scenario {
  verifier = "/flags 0x8 /driver replyq.sys",
  cpus     = 1,
  expect   = "clean",
}

local Dpc, Reply

local function ReplyDpc(Dpc, Context, Arg1, Arg2)
  Context[0] = 1                        -- the reply's status byte
end

driver "replyq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Reply = ExAllocatePool2(POOL_FLAG_NON_PAGED + POOL_FLAG_USE_QUOTA, 128, "Rply")
    if Reply == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Dpc = KDPC()
    KeInitializeDpc(Dpc, ReplyDpc, Reply)
    KeInsertQueueDpc(Dpc, nil, nil)
    DriverObject.DriverUnload = function(DriverObject)
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(Reply, "Rply")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "replyq.sys"
  Sleep "10ms"
  UnloadDriver "replyq.sys"
end)
