-- mdl_unmap_partial: a network driver maps a receive buffer once, carves a
-- packet out of it with IoBuildPartialMdl (the partial MDL inherits the
-- source's system mapping), and after the packet is consumed "unmaps" the
-- packet's MDL with MmUnmapLockedPages: the mapping it tears down is the
-- whole buffer's (0xC4/0xB5, P3 the MDL's flags, P4 MDL_PARTIAL).
scenario {
  verifier = "/standard /driver rxbuf.sys",
  expect   = { bugcheck = 0xC4, p1 = 0xB5, p4 = MDL_PARTIAL, driver = "rxbuf.sys" },
}

local BUFFER_BYTES = 2 * 4096
local PACKET_BYTES = 1514

driver "rxbuf.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Buffer = ExAllocatePoolWithTag(PagedPool, BUFFER_BYTES, "RxBf")
    if Buffer == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local Source = IoAllocateMdl(Buffer, BUFFER_BYTES, false, false, nil)
    local Packet = IoAllocateMdl(Buffer, PACKET_BYTES, false, false, nil)
    if Source == nil or Packet == nil then
      if Source ~= nil then IoFreeMdl(Source) end
      if Packet ~= nil then IoFreeMdl(Packet) end
      ExFreePoolWithTag(Buffer, "RxBf")
      return STATUS_INSUFFICIENT_RESOURCES
    end
    MmProbeAndLockPages(Source, KernelMode, IoWriteAccess)
    local Va = MmGetSystemAddressForMdlSafe(Source, NormalPagePriority | MdlMappingNoExecute)
    if Va ~= nil then
      IoBuildPartialMdl(Source, Packet, Buffer + 100, PACKET_BYTES)
      local PacketVa = MmGetSystemAddressForMdlSafe(Packet, NormalPagePriority)
      -- BUG: the packet's address is the source's mapping: the partial MDL
      -- was never mapped on its own. Use MmPrepareMdlForReuse(Packet).
      MmUnmapLockedPages(PacketVa, Packet)
      MmUnmapLockedPages(Va, Source)
    end
    MmUnlockPages(Source)
    IoFreeMdl(Packet)
    IoFreeMdl(Source)
    ExFreePoolWithTag(Buffer, "RxBf")
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "rxbuf.sys"
  UnloadDriver "rxbuf.sys"
end)
