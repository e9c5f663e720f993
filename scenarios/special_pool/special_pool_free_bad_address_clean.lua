-- special_pool_free_bad_address_clean: the twin of special_pool_free_bad_address.
-- The driver frees the packet, the address the allocation returned.
scenario {
  verifier = "/flags 0x1 /driver pktdrv.sys",
  expect   = "clean",
}

local HEADER_BYTES, PAYLOAD_BYTES = 16, 64

driver "pktdrv.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Packet = ExAllocatePoolWithTag(NonPagedPoolNx, HEADER_BYTES + PAYLOAD_BYTES, "Pkt ")
    if Packet == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Payload = Packet + HEADER_BYTES
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Payload - HEADER_BYTES, "Pkt ")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pktdrv.sys"
  Sleep "10ms"
  UnloadDriver "pktdrv.sys"
end)
