-- lookaside_init_twice, clean twin: the USB audio driver initialises the
-- packet lookaside list its two interfaces share once, in DriverEntry,
-- before it starts them, and deletes it once on unload.
scenario {
  verifier = "/standard /driver usbaud.sys",
  expect   = "clean",
}

local PACKET_BYTES = 192

local function StartInterface(Interface)
  local Packet = ExAllocateFromNPagedLookasideList(Packets)
  if Packet == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  Packet:write(0, Interface)   -- the first packet primes the stream
  ExFreeToNPagedLookasideList(Packets, Packet)
  return STATUS_SUCCESS
end

driver "usbaud.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Packets = NPAGED_LOOKASIDE_LIST()
    ExInitializeNPagedLookasideList(Packets, nil, nil, POOL_NX_ALLOCATION, PACKET_BYTES,
                                    "UAPk", 0)
    for _, Interface in ipairs { "PLAY", "CAPT" } do
      local Status = StartInterface(Interface)
      if Status ~= STATUS_SUCCESS then
        ExDeleteNPagedLookasideList(Packets)
        return Status
      end
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExDeleteNPagedLookasideList(Packets)
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "usbaud.sys"
  Sleep "1s"
  UnloadDriver "usbaud.sys"
end)
