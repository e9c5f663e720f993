-- priority_underrun: the placement chosen per call. GFlags' placement is the
-- default (Verify End), but this driver asks for NormalPoolPrioritySpecial-
-- PoolUnderrun for its message buffers, so they start their pages and the
-- length prefix written before the block faults at once: 0xD6, P2 1.
scenario {
  verifier = "/flags 0x1 /driver sermsg.sys",
  expect   = { bugcheck = 0xD6, p2 = 1, driver = "sermsg.sys" },
}

local Text = "AT+CSQ\r\n"

driver "sermsg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Msg = ExAllocatePoolWithTagPriority(NonPagedPoolNx, #Text, "SerM",
                                              NormalPoolPrioritySpecialPoolUnderrun)
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
