-- special_pool_underrun: a write before the block, found at free. A serial
-- driver stores each message's length in the two bytes before the message
-- (as its old allocator, which kept a length prefix, allowed) without asking
-- for room for them. Verify End leaves the rest of the page before the block
-- filled with a pattern, so the write does not fault; ExFreePool checks the
-- pattern: 0xC1 with P4 = 0x23, P1 the block, P2 the first damaged byte (two
-- bytes before the block).
scenario {
  verifier = "/flags 0x1 /driver sermsg.sys",
  expect   = { bugcheck = 0xC1, p4 = 0x23, driver = "sermsg.sys" },
}

local Text = "AT+CSQ\r\n"

driver "sermsg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Msg = ExAllocatePoolWithTag(NonPagedPoolNx, #Text, "SerM")
    if Msg == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Msg:write(0, Text)
    Msg:set_u16(-2, #Text) -- BUG: the prefix is outside the allocation
    ExFreePoolWithTag(Msg, "SerM")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "sermsg.sys"
  Sleep "10ms"
  UnloadDriver "sermsg.sys"
end)
