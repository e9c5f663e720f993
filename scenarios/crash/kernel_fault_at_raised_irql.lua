-- kernel_fault_at_raised_irql: kernel code (not any driver) faults at DISPATCH_LEVEL on a record address a driver registered wrongly (0x0A).
-- The run body plays the system's notification dispatcher: it is code outside
-- every driver image, so the fault is 0x0A, not 0xD1, and names no driver.
scenario {
  -- P1 is the address referenced; P2 the IRQL; P3 1 = a write.
  expect = { bugcheck = 0x0A, p2 = DISPATCH_LEVEL, p3 = 1 },
}

local RECORD_SIZE, RECORD_COUNT = 64, 4

driver "notify.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Records = ExAllocatePoolWithTag(NonPagedPoolNx, RECORD_COUNT * RECORD_SIZE, "NtfR")
    if Records == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    -- Registers where the dispatcher should write the status of event class 3.
    -- BUG: the stride is PAGE_SIZE, left over from when each record had its
    -- own page; the records are RECORD_SIZE apart now. The address is three
    -- pages past a 256-byte block.
    StatusRecord = Records + 3 * PAGE_SIZE
    DriverObject.DriverUnload = function(DriverObject)
      StatusRecord = nil
      ExFreePoolWithTag(Records, "NtfR")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "notify.sys"
  Sleep "10ms"
  -- The dispatcher posts an event: it writes the registered status record
  -- under its queue lock, at DISPATCH_LEVEL.
  local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
  StatusRecord[0] = 0x01                     -- Status->Signalled = TRUE
  KeLowerIrql(OldIrql)
  Sleep "10ms"
  UnloadDriver "notify.sys"
end)
