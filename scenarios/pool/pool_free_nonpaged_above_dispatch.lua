-- pool_free_nonpaged_above_dispatch: a driver frees nonpaged pool while at HIGH_LEVEL (0xC4/0x12).
scenario {
  verifier = "/standard /driver dmaeng.sys",
  -- P4 is the address of the block.
  expect   = { bugcheck = 0xC4, p1 = 0x12, p2 = HIGH_LEVEL, p3 = NonPagedPoolNx,
               driver = "dmaeng.sys" },
}

-- Retires the descriptor the engine just finished, with interrupts masked.
local function RetireDescriptor(Ext)
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)
  local Done = Ext.Pending
  Ext.Pending = nil
  Done[0] = 0                                -- clear the OWN bit
  -- BUG: pool cannot be freed above DISPATCH_LEVEL. Unlink here, free after
  -- KeLowerIrql.
  ExFreePoolWithTag(Done, "DmaD")
  KeLowerIrql(OldIrql)
end

driver "dmaeng.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ext = { Pending = ExAllocatePoolWithTag(NonPagedPoolNx, 64, "DmaD") }
    if Ext.Pending == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Ext.Pending[0] = 0x80                    -- OWN: the engine has it
    RetireDescriptor(Ext)
    DriverObject.DriverUnload = function(DriverObject)
      if Ext.Pending ~= nil then
        ExFreePoolWithTag(Ext.Pending, "DmaD")
      end
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "dmaeng.sys"
  Sleep "10ms"
  UnloadDriver "dmaeng.sys"
end)
