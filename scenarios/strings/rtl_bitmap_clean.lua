-- rtl_bitmap_clean: a driver keeps a slot allocator in an RTL_BITMAP, as
-- storage miniports keep their tags and network drivers their receive
-- slots. It initializes 70 bits over three ULONGs of pool, clears them,
-- takes runs with RtlFindClearBitsAndSet (the search starts at the hint and
-- wraps to the start), frees one, and checks the counts and the bit tests;
-- the bit scans answer as wdm.h says (-1 for an empty set). Clean, under
-- /standard.
scenario {
  verifier = "/standard /driver slots.sys",
  expect = "clean",
}

driver "slots.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 12, "Slot")
    local Map = RTL_BITMAP()
    RtlInitializeBitMap(Map, Buffer, 70)
    assert(Map.SizeOfBitMap == 70 and Map.Buffer == Buffer)
    RtlSetAllBits(Map)
    assert(Buffer:u32(8) == 0xFFFFFFFF and RtlNumberOfSetBits(Map) == 70)
    RtlClearAllBits(Map)
    assert(RtlNumberOfClearBits(Map) == 70)
    -- Four slots from the start, then three from a hint.
    assert(RtlFindClearBitsAndSet(Map, 4, 0) == 0)
    assert(RtlFindClearBitsAndSet(Map, 3, 10) == 10)
    assert(Buffer:u32(0) == 0x1C0F)
    assert(RtlNumberOfSetBits(Map) == 7 and RtlNumberOfClearBits(Map) == 63)
    assert(RtlAreBitsSet(Map, 0, 4) and not RtlAreBitsSet(Map, 0, 5))
    assert(RtlAreBitsClear(Map, 4, 6) and not RtlAreBitsClear(Map, 4, 7))
    assert(RtlCheckBit(Map, 11) and not RtlCheckBit(Map, 13))
    -- A run that does not fit after the hint is found before it.
    RtlSetBits(Map, 13, 57)
    assert(RtlFindClearBits(Map, 6, 20) == 4)
    assert(RtlFindClearBits(Map, 7, 0) == 0xFFFFFFFF)
    assert(RtlFindSetBits(Map, 3, 0) == 0)
    RtlClearBits(Map, 1, 2)
    assert(not RtlCheckBit(Map, 1) and RtlCheckBit(Map, 3))
    assert(RtlFindLeastSignificantBit(0x50) == 4 and RtlFindMostSignificantBit(0x50) == 6)
    assert(RtlFindLeastSignificantBit(0) == -1 and RtlFindMostSignificantBit(0) == -1)
    assert(RtlNumberOfSetBitsUlongPtr(0xF0F0) == 8)
    ExFreePoolWithTag(Buffer, "Slot")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  assert(LoadDriver "slots.sys" == STATUS_SUCCESS)
  UnloadDriver "slots.sys"
end)
