-- irql_raise_below_current (clean twin): the driver restores its saved IRQL with KeLowerIrql, as it should.
scenario {
  verifier = "/standard /driver hwpoll.sys",
  expect   = "clean",
}

driver "hwpoll.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    -- Snapshot the device state without being preempted.
    local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
    Status = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "Poll")
    KeLowerIrql(OldIrql)                     -- right: KeLowerIrql restores the saved IRQL
    if Status == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
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
