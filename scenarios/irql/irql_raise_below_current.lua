-- irql_raise_below_current: a driver calls KeRaiseIrql to go back down to its saved IRQL (0xC4/0x30).
scenario {
  verifier = "/standard /driver hwpoll.sys",
  expect   = { bugcheck = 0xC4, p1 = 0x30, p2 = DISPATCH_LEVEL, p3 = PASSIVE_LEVEL, p4 = 0,
               driver = "hwpoll.sys" },
}

driver "hwpoll.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- Snapshot the device state without being preempted.
    local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
    Status = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "Poll")
    -- BUG: KeRaiseIrql(OldIrql) is meant to restore the IRQL, but OldIrql is
    -- lower than the current one; the C code should call KeLowerIrql(OldIrql).
    KeRaiseIrql(OldIrql)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Status, "Poll")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "hwpoll.sys"
  Sleep "10ms"
  UnloadDriver "hwpoll.sys"
end)
