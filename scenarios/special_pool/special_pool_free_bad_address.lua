-- special_pool_free_bad_address: a free of an address inside the block. A
-- network driver allocates a 16-byte header and its payload together, hands
-- out a pointer to the payload, and frees that pointer instead of the
-- block's start. Special pool knows where the block on that page starts:
-- 0xC1 with P4 = 0x21, P1 the address freed, P2 the bytes asked for (80), P3
-- what lies from the address freed to the end of its page.
scenario {
  verifier = "/flags 0x1 /driver pktdrv.sys",
  expect   = { bugcheck = 0xC1, p2 = 80, p4 = 0x21, driver = "pktdrv.sys" },
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
      ExFreePoolWithTag(Payload, "Pkt ") -- BUG: frees the payload, not the packet
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "pktdrv.sys"
  Sleep "10ms"
  UnloadDriver "pktdrv.sys"
end)
