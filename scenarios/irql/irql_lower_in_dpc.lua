-- irql_lower_in_dpc: a statistics driver's DPC copies its counters with the
-- IRQL raised to HIGH_LEVEL, then "restores" it with a hard-coded
-- KeLowerIrql(PASSIVE_LEVEL), as the same helper does on a thread. A DPC
-- routine runs at DISPATCH_LEVEL from start to end: Driver Verifier stops
-- it with 0xC4/0x31, P2 the IRQL (HIGH_LEVEL), P3 the requested IRQL
-- (PASSIVE_LEVEL), P4 = 1: the new IRQL is not allowed inside a DPC.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  verifier = "/standard /driver netstat.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x31, p2 = HIGH_LEVEL, p3 = PASSIVE_LEVEL, p4 = 1,
               driver = "netstat.sys" },
}

-- Copies the live counters into the snapshot with nothing in between.
local function Snapshot()
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)
  Counters:write(8, Counters:read(0, 8))
  -- BUG: written for a caller at PASSIVE_LEVEL; it should lower to OldIrql.
  KeLowerIrql(PASSIVE_LEVEL)
  return OldIrql
end

driver "netstat.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Counters = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "NStC")
    if Counters == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    RtlZeroMemory(Counters, 16)
    SnapshotDpc = KDPC()
    KeInitializeDpc(SnapshotDpc, function(Dpc, DeferredContext, SystemArgument1, SystemArgument2)
      Snapshot()
    end, nil)
    KeInsertQueueDpc(SnapshotDpc, nil, nil)
    DriverObject.DriverUnload = function(DriverObject)
      KeFlushQueuedDpcs()
      ExFreePoolWithTag(Counters, "NStC")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "netstat.sys"
  Sleep "10ms"
  UnloadDriver "netstat.sys"
end)
