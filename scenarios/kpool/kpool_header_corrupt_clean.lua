-- kpool_header_corrupt, clean twin: the record's block has room for its
-- checksum, so every header is intact at free.
scenario {
  expect = "clean",
}

local Record, Next

driver "recq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Record = ExAllocatePoolWithTag(NonPagedPoolNx, 32 + 4, "RecQ")
    Next = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "RecQ")
    if Record == nil or Next == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Record:write(0, string.rep("R", 32))
    Record:write(32, "\x12\x34\x56\x78")
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Record, "RecQ")
      ExFreePoolWithTag(Next, "RecQ")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "recq.sys"
  Sleep "10ms"
  UnloadDriver "recq.sys"
end)
