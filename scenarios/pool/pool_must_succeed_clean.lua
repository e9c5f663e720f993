-- pool_must_succeed (clean twin): the emergency buffer comes from ordinary nonpaged pool, and failure is handled.
scenario {
  verifier = "/standard /driver oldscsi.sys",
  expect   = "clean",
}

local EMERGENCY_BUFFER_SIZE = 2 * PAGE_SIZE

driver "oldscsi.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Emergency = ExAllocatePoolWithTag(NonPagedPoolNx, EMERGENCY_BUFFER_SIZE, "ScEm")
    if Emergency == nil then                 -- right: a failure is a failure
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Emergency, "ScEm")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "oldscsi.sys"
  Sleep "10ms"
  UnloadDriver "oldscsi.sys"
end)
