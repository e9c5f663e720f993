-- kernel_fault_at_raised_irql (clean twin): the driver registers the record at its real address, and the dispatcher's write lands in it.
scenario {
  expect = "clean",
}

local RECORD_SIZE, RECORD_COUNT = 64, 4

driver "notify.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Records = ExAllocatePoolWithTag(NonPagedPoolNx, RECORD_COUNT * RECORD_SIZE, "NtfR")
    if Records == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    -- Registers where the dispatcher should write the status of event class 3.
    StatusRecord = Records + 3 * RECORD_SIZE   -- right: &Records[3]
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
