-- pool_nonpaged_above_dispatch (clean twin): the snapshot buffer is allocated in DriverEntry, only filled at HIGH_LEVEL.
scenario {
  verifier = "/standard /driver uartx.sys",
  expect   = "clean",
}

local FIFO_SNAPSHOT_SIZE = 256

-- Saves the receive FIFO with every interrupt masked, for the error log.
local function SnapshotFifo(Ext)
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)
  Ext.Snapshot[0] = 0x7E                     -- right: the buffer already exists
  KeLowerIrql(OldIrql)
end

driver "uartx.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ext = { Snapshot = ExAllocatePoolWithTag(NonPagedPoolNx, FIFO_SNAPSHOT_SIZE, "UaFs") }
    if Ext.Snapshot == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    SnapshotFifo(Ext)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Ext.Snapshot, "UaFs")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "uartx.sys"
  Sleep "10ms"
  UnloadDriver "uartx.sys"
end)
