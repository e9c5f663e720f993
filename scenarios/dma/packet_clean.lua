-- packet_clean: a bus-master driver's three kinds of DMA through its
-- adapter, clean under /standard: a common buffer the device writes into;
-- packet DMA (AllocateAdapterChannel, MapTransfer, the device reads the
-- bytes at the logical address, FlushAdapterBuffers, FreeMapRegisters);
-- a read from the device (the device writes into the map register,
-- FlushAdapterBuffers copies it back into the buffer); and a
-- scatter/gather transfer (GetScatterGatherList, PutScatterGatherList).
scenario {
  verifier = "/standard /driver dmadev.sys",
  devices = { { name = "dev", hardware_id = "ROOT\\DMADEV", driver = "dmadev.sys" } },
  expect = "clean",
}

function DmaTest(Pdo, Fdo)
  local Desc = DEVICE_DESCRIPTION()
  Desc.Version = DEVICE_DESCRIPTION_VERSION
  Desc.Master = 1
  Desc.ScatterGather = 1
  Desc.Dma32BitAddresses = 1
  Desc.InterfaceType = PCIBus
  Desc.MaximumLength = 0x2000
  local Adapter, MapRegisters = IoGetDmaAdapter(Pdo, Desc)
  assert(Adapter and MapRegisters == 3, tostring(MapRegisters))
  local Ops = Adapter.DmaOperations
  -- A common buffer the device writes into.
  local Common, Logical = Ops.AllocateCommonBuffer(Adapter, 256, true)
  assert(Common and Logical > 0)
  DeviceDmaWrite(Logical + 16, "status")
  assert(Common:read(16, 6) == "status")
  Ops.FreeCommonBuffer(Adapter, 256, Logical, Common, true)
  -- Packet DMA, to the device.
  local Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, "DmaB")
  Buffer:write(0, "hello, device")
  local Mdl = IoAllocateMdl(Buffer, 64, false, false, nil)
  MmBuildMdlForNonPagedPool(Mdl)
  local Length = LONG()
  local OldIrql = KeRaiseIrql(DISPATCH_LEVEL)
  local Ran = false
  assert(Ops.AllocateAdapterChannel(Adapter, Fdo, 1, function(DeviceObject, Irp, Base, Context)
    Length:set_u32(0, 13)
    local L = Ops.MapTransfer(Adapter, Mdl, Base, MmGetMdlVirtualAddress(Mdl), Length, true)
    assert(Length:u32(0) == 13)
    assert(DeviceDmaRead(L, 13) == "hello, device")
    assert(Ops.FlushAdapterBuffers(Adapter, Mdl, Base, MmGetMdlVirtualAddress(Mdl), 13, true))
    -- From the device: the bytes reach the buffer at the flush.
    Length:set_u32(0, 5)
    L = Ops.MapTransfer(Adapter, Mdl, Base, MmGetMdlVirtualAddress(Mdl), Length, false)
    DeviceDmaWrite(L, "READ!")
    assert(Buffer:read(0, 5) == "hello", "double-buffered: not there before the flush")
    assert(Ops.FlushAdapterBuffers(Adapter, Mdl, Base, MmGetMdlVirtualAddress(Mdl), 5, false))
    assert(Buffer:read(0, 5) == "READ!")
    Ran = Base
    return DeallocateObjectKeepRegisters
  end, nil) == STATUS_SUCCESS)
  assert(Ran)
  -- A scatter/gather read.
  local Got = false
  assert(Ops.GetScatterGatherList(Adapter, Fdo, Mdl, MmGetMdlVirtualAddress(Mdl), 64,
    function(DeviceObject, Irp, Sgl, Context)
      assert(Sgl.NumberOfElements == 1)
      local E = Sgl.Elements
      assert(E.Length == 64)
      DeviceDmaWrite(E.Address, "sg data")
      Got = Sgl
    end, nil, false) == STATUS_SUCCESS)
  Ops.PutScatterGatherList(Adapter, Got, false)
  -- The packet's map registers, kept after its ExecutionRoutine.
  Ops.FreeMapRegisters(Adapter, Ran, 1)
  KeLowerIrql(OldIrql)
  assert(Buffer:read(0, 7) == "sg data")
  IoFreeMdl(Mdl)
  ExFreePool(Buffer)
  Ops.PutDmaAdapter(Adapter)
end

driver "dmadev.sys" "drivers/dmadev.lua"

run(function()
  assert(PlugDevice "dev" == STATUS_SUCCESS)
  assert(RemoveDevice "dev" == STATUS_SUCCESS)
end)
