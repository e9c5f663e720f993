-- verify_start_underrun: the length-prefix underrun of special_pool_underrun
-- under Verify Start (GFlags placement "underruns"). The block starts its
-- page, so the two bytes before it are on the guard page: the store faults
-- at the instruction (0xD6, P2 1 for a write) instead of at free.
scenario {
  verifier = "/flags 0x1 /driver sermsg.sys",
  gflags   = "underruns",
  expect   = { bugcheck = 0xD6, p2 = 1, driver = "sermsg.sys" },
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
