-- mdl_unmap_partial (clean twin): the packet's partial MDL is made ready
-- for the next packet with MmPrepareMdlForReuse, which leaves the source's
-- mapping alone; the source's own mapping is unmapped once, through the
-- source's MDL.
scenario {
  verifier = "/standard /driver rxbuf.sys",
  expect   = "clean",
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
      assert(PacketVa == Va + 100, "the packet lies in the source's mapping")
      MmPrepareMdlForReuse(Packet)                              -- right
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
