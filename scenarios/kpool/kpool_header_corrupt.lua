-- kpool_header_corrupt: without the verifier, an overrun is found only when a
-- damaged pool header is freed. The driver writes a 32-byte record into a
-- 32-byte block plus a 4-byte checksum, straight over the next block's
-- POOL_HEADER; freeing the first block finds the next header's PreviousSize
-- contradicting it (0x19 BAD_POOL_HEADER, P1 = 5, P2 this entry, P4 the next).
-- With /flags 0x8 the same bug is 0xC4/0x51 (scenarios/pool_tracking).
scenario {
  expect = { bugcheck = 0x19, p1 = 0x5, driver = "recq.sys" },
}

local Record, Next

driver "recq.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Record = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "RecQ")
    Next = ExAllocatePoolWithTag(NonPagedPoolNx, 32, "RecQ")
    if Record == nil or Next == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Record:write(0, string.rep("R", 32))
    Record:write(32, "\x12\x34\x56\x78") -- BUG: the checksum is past the end
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
