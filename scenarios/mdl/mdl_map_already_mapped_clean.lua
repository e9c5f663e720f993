-- mdl_map_already_mapped (clean twin): the transmit path asks for the packet's
-- system address with MmGetSystemAddressForMdlSafe, which maps once and then
-- returns the existing mapping.
scenario {
  verifier = "/standard /driver txpath.sys",
  expect   = "clean",
}

local PACKET_BYTES = 1514

local function PacketVa(Packet)
  return MmGetSystemAddressForMdlSafe(Packet.Mdl, NormalPagePriority)  -- right
end

-- Fills in the Ethernet header, then computes a checksum over the payload.
local function PrepareFrame(Packet)
  local Header = PacketVa(Packet)
  if Header == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  Header:write(12, "\x08\x00")          -- EtherType IPv4
  local Payload = PacketVa(Packet)
  if Payload == nil then
    return STATUS_INSUFFICIENT_RESOURCES
  end
  local Sum = 0
  for i = 14, 33 do
    Sum = Sum + Payload[i]
  end
  return STATUS_SUCCESS
end

driver "txpath.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Packet = {}
    Packet.Buffer = ExAllocatePoolWithTag(PagedPool, PACKET_BYTES, "TxPk")
    if Packet.Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    Packet.Mdl = IoAllocateMdl(Packet.Buffer, PACKET_BYTES, false, false, nil)
    if Packet.Mdl == nil then
      ExFreePoolWithTag(Packet.Buffer, "TxPk")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Status = __try(function()
      MmProbeAndLockPages(Packet.Mdl, KernelMode, IoReadAccess)
      return STATUS_SUCCESS
    end, function(Code)
      return Code
    end)
    if Status ~= STATUS_SUCCESS then
      IoFreeMdl(Packet.Mdl)
      ExFreePoolWithTag(Packet.Buffer, "TxPk")
      return Status
    end
    PrepareFrame(Packet)
    DriverObject.DriverUnload = function(DriverObject)
      MmUnlockPages(Packet.Mdl)         -- also releases the system mapping
      IoFreeMdl(Packet.Mdl)
      ExFreePoolWithTag(Packet.Buffer, "TxPk")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "txpath.sys"
  Sleep "100ms"
  UnloadDriver "txpath.sys"
end)
