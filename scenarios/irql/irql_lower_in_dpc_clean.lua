-- irql_lower_in_dpc (clean twin): the statistics driver's helper lowers
-- the IRQL back to what its caller had (DISPATCH_LEVEL in the DPC), not to
-- PASSIVE_LEVEL. Clean under /standard.
-- Source: windows-driver-docs-pr/debugger/bug-check-0xc4--driver-verifier-detected-violation.md
scenario {
  verifier = "/standard /driver netstat.sys",
  expect   = "clean",
}

-- Copies the live counters into the snapshot with nothing in between.
local function Snapshot()
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)
  Counters:write(8, Counters:read(0, 8))
  KeLowerIrql(OldIrql)                 -- right: back to the caller's IRQL
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
