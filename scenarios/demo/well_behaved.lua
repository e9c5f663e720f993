-- well_behaved: a verified driver that allocates, raises and lowers the IRQL and frees everything runs clean.
scenario {
  verifier = "/standard /driver good.sys",
  expect   = "clean",
}

driver "good.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 256, "Good")
    if Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
    Buffer:write(0, "ready")                -- nonpaged: fine at DISPATCH_LEVEL
    KeLowerIrql(OldIrql)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Buffer, "Good")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "good.sys"
  Sleep "1s"
  local Counters = Query()                  -- what `verifier /query` would show
  assert(Counters.RaiseIrqls == 1 and Counters.AllocationsSucceeded == 1)
  UnloadDriver "good.sys"
end)
