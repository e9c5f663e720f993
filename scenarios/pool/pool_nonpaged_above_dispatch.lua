-- pool_nonpaged_above_dispatch: a driver allocates nonpaged pool while at HIGH_LEVEL (0xC4/0x02).
scenario {
  -- /standard without DDI compliance checking (0x20000): with it, the rule
  -- IrqlExAllocatePool (0x20004) reports the same call first, as on Windows.
  verifier = "/flags 0x9BB /driver uartx.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x02, p2 = HIGH_LEVEL, p3 = NonPagedPoolNx, p4 = 256,
               driver = "uartx.sys" },
}

local FIFO_SNAPSHOT_SIZE = 256

-- Saves the receive FIFO with every interrupt masked, for the error log.
local function SnapshotFifo(Ext)
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)
  -- BUG: no pool allocation is allowed above DISPATCH_LEVEL, not even
  -- nonpaged. The snapshot buffer must be allocated in advance.
  Ext.Snapshot = ExAllocatePoolWithTag(NonPagedPoolNx, FIFO_SNAPSHOT_SIZE, "UaFs")
  if Ext.Snapshot ~= nil then
    Ext.Snapshot[0] = 0x7E
  end
  KeLowerIrql(OldIrql)
end

driver "uartx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ext = { Snapshot = nil }
    SnapshotFifo(Ext)
    DriverObject.DriverUnload = function(DriverObject)
      if Ext.Snapshot ~= nil then
        ExFreePoolWithTag(Ext.Snapshot, "UaFs")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "uartx.sys"
  Sleep "10ms"
  UnloadDriver "uartx.sys"
end)
