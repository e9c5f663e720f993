-- special_pool_underrun_clean: the twin of special_pool_underrun. The driver
-- allocates room for the length prefix and writes it inside the block.
scenario {
  verifier = "/flags 0x1 /driver sermsg.sys",
  expect   = "clean",
}

local Text = "AT+CSQ\r\n"

driver "sermsg.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Msg = ExAllocatePoolWithTag(NonPagedPoolNx, 2 + #Text, "SerM")
    if Msg == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Msg:set_u16(0, #Text)
    Msg:write(2, Text)
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
