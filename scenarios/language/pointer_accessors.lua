-- Typed pointer accessors: p:u16(off) .. p:u64(off) and p:ptr(off) read
-- little-endian fields, p:set_*(off, v) write them. Here a driver reads its
-- MDL's fields (wdm.h's x64 layout) and its own block's POOL_HEADER.
scenario { verifier = "/flags 0x8 /driver acc.sys", expect = "clean" }

driver "acc.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 100, "AccB")
    Buffer:set_u32(0, 0xDEADBEEF)
    Buffer:set_u16(4, 0x1234)
    Buffer:set_ptr(8, Buffer)
    assert(Buffer:u32(0) == 0xDEADBEEF and Buffer[0] == 0xEF, "little-endian")
    assert(Buffer:u16(4) == 0x1234 and Buffer:ptr(8) == Buffer)
    Buffer:set_ptr(8, nil)
    assert(Buffer:ptr(8) == nil and Buffer:u64(8) == 0, "NULL reads back as nil")

    -- The POOL_HEADER in front of the block: BlockSize in 16-byte units, the tag.
    local Header = Buffer - 16
    assert(Header[2] == (16 + 112) // 16, "BlockSize: the header and 7 granules")
    assert(Header:read(4, 4) == "AccB", "PoolTag")

    local Mdl = IoAllocateMdl(Buffer, 100, false, false, nil)
    assert(Mdl:u32(0x28) == 100, "ByteCount")
    assert(Mdl:ptr(0x20) + Mdl:u32(0x2C) == Buffer, "StartVa + ByteOffset")
    assert(MmGetMdlVirtualAddress(Mdl) == Buffer)
    IoFreeMdl(Mdl)
    ExFreePoolWithTag(Buffer, "AccB")
    DriverObject.DriverUnload = function() end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "acc.sys"
  UnloadDriver "acc.sys"
end)
