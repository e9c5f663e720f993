-- pool_paged_above_apc: a driver allocates paged pool after raising to DISPATCH_LEVEL (0xC4/0x01).
scenario {
  -- /standard without DDI compliance checking (0x20000): with it, the rule
  -- IrqlExAllocatePool (0x20004) reports the same call first, as on Windows.
  verifier = "/flags 0x9BB /driver pktlog.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x01, p2 = DISPATCH_LEVEL, p3 = PagedPool, p4 = 512,
               driver = "pktlog.sys" },
}

local LOG_RECORD_SIZE = 512

-- Appends a record to the log; runs with the log's queue held at DISPATCH_LEVEL.
local function LogAppend(Log, Code)
  local OldIrql = KeRaiseIrqlToDpcLevel()
  -- BUG: PagedPool at DISPATCH_LEVEL. Paged pool may only be touched at
  -- APC_LEVEL or below; this must be NonPagedPoolNx, or allocated before the raise.
  local Record = ExAllocatePoolWithTag(PagedPool, LOG_RECORD_SIZE, "PkLr")
  if Record ~= nil then
    Record[0] = Code
    Log.Last = Record
  end
  KeLowerIrql(OldIrql)
end

driver "pktlog.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Log = { Last = nil }
    LogAppend(Log, 0x01)                     -- "driver started"
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
