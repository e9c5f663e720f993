-- pool_paged_above_apc (clean twin): the paged record is allocated at PASSIVE_LEVEL, before the raise.
scenario {
  verifier = "/standard /driver pktlog.sys",
  expect   = "clean",
}

local LOG_RECORD_SIZE = 512

-- Appends a record to the log; the queue is held at DISPATCH_LEVEL only to link it.
local function LogAppend(Log, Code)
  -- right: allocate while still at PASSIVE_LEVEL
  local Record = ExAllocatePoolWithTag(PagedPool, LOG_RECORD_SIZE, "PkLr")
  if Record == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  Record[0] = Code
  local OldIrql = KeRaiseIrqlToDpcLevel()
  Log.Last = Record
  KeLowerIrql(OldIrql)
  return STATUS_SUCCESS
end

driver "pktlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Log = { Last = nil }
    local Status = LogAppend(Log, 0x01)      -- "driver started"
    if Status ~= STATUS_SUCCESS then
      return Status
    end
    DriverObject.DriverUnload = function(DriverObject)
      if Log.Last ~= nil then
        ExFreePoolWithTag(Log.Last, "PkLr")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pktlog.sys"
  Sleep "10ms"
  UnloadDriver "pktlog.sys"
end)
