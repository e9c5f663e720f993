-- lookaside_init_twice: a USB audio driver drives two streaming interfaces
-- (playback and capture) that share one packet lookaside list, but sets
-- the list up in the per-interface start routine. Starting the second
-- interface initialises the list again while the first one uses it, which
-- would link it into the kernel's list of lookaside lists twice: Driver
-- Verifier stops it (0xC4/0xCA, P2 = the list).
scenario {
  verifier = "/standard /driver usbaud.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xCA, driver = "usbaud.sys" },
}

local PACKET_BYTES = 192

local function StartInterface(Interface)
  -- BUG: the list is shared by both interfaces: it belongs in DriverEntry.
  ExInitializeNPagedLookasideList(Packets, nil, nil, POOL_NX_ALLOCATION, PACKET_BYTES,
                                  "UAPk", 0)
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
