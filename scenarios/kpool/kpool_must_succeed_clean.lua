-- kpool_must_succeed (clean twin): the sense buffer comes from ordinary nonpaged pool, and failure is handled (no verifier).
scenario {
  expect = "clean",
}

local SENSE_BUFFER_SIZE = 512

driver "oldscsi.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Sense = ExAllocatePoolWithTag(NonPagedPoolNx, SENSE_BUFFER_SIZE, "ScEm")
    if Sense == nil then                     -- right: a failure is a failure
      return STATUS_INSUFFICIENT_RESOURCES
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Sense, "ScEm")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "oldscsi.sys"
  Sleep "10ms"
  UnloadDriver "oldscsi.sys"
end)
