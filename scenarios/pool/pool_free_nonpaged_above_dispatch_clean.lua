-- pool_free_nonpaged_above_dispatch (clean twin): the descriptor is unlinked at HIGH_LEVEL and freed after KeLowerIrql.
scenario {
  verifier = "/standard /driver dmaeng.sys",
  expect   = "clean",
}

-- Retires the descriptor the engine just finished, with interrupts masked.
local function RetireDescriptor(Ext)
  local OldIrql = KeRaiseIrql(HIGH_LEVEL)
  local Done = Ext.Pending
  Ext.Pending = nil
  Done[0] = 0                                -- clear the OWN bit
  KeLowerIrql(OldIrql)
  ExFreePoolWithTag(Done, "DmaD")            -- right: freed back at PASSIVE_LEVEL
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
