-- priority_placement_clean: where special pool puts blocks. With GFlags'
-- placement at underruns (Verify Start), a plain request starts its page; a
-- ...SpecialPoolOverrun priority puts the block at the end of its page, its
-- start rounded down to 16 bytes on x64 (a 0x3C-byte block at ...FC0, as a
-- debugger shows it); ...SpecialPoolUnderrun starts the page. A driver that
-- only fills what it asked for runs clean whatever the placement.
scenario {
  verifier = "/flags 0x1 /driver place.sys",
  gflags   = "underruns",
  expect   = "clean",
}

local function Offset(P) -- the block's offset in its page
  return tonumber(tostring(P):sub(-3), 16)
end

driver "place.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Plain = ExAllocatePoolWithTag(NonPagedPoolNx, 0x3C, "Plce")
    local AtEnd = ExAllocatePoolWithTagPriority(NonPagedPoolNx, 0x3C, "Plce",
                                                HighPoolPrioritySpecialPoolOverrun)
    local AtStart = ExAllocatePoolWithTagPriority(NonPagedPoolNx, 0x3C, "Plce",
                                                  LowPoolPrioritySpecialPoolUnderrun)
    Offsets = { Offset(Plain), Offset(AtEnd), Offset(AtStart) }
    for _, P in ipairs({ Plain, AtEnd, AtStart }) do
      RtlFillMemory(P, 0x3C, 0x5A)
      ExFreePoolWithTag(P, "Plce")
    end
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "place.sys"
  assert(Offsets[1] == 0 and Offsets[2] == 0xFC0 and Offsets[3] == 0,
         string.format("offsets %x %x %x", Offsets[1], Offsets[2], Offsets[3]))
  UnloadDriver "place.sys"
end)
