-- kpool_header_corrupt: an off-by-one loop overruns a table into the next block's pool header; the kernel finds it at free (0x19/0x5).
-- With the driver verified, pool tracking's 0xC4/0x51 (pool_overrun_tracked) fires first.
scenario {
  -- P1 0x5: the next block's PreviousSize contradicts this block's size.
  -- P2 is this block's header, P4 the next block's header.
  expect = { bugcheck = 0x19, p1 = 0x5, p3 = 0, driver = "portmap.sys" },
}

local PORT_COUNT, PORT_ENTRY_SIZE = 4, 8           -- PORT_ENTRY Ports[4], 8 bytes each

driver "portmap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ports = ExAllocatePoolWithTag(PagedPool, PORT_COUNT * PORT_ENTRY_SIZE, "PmPt")
    Stats = ExAllocatePoolWithTag(PagedPool, 64, "PmSt")   -- lands right after Ports
    if Ports == nil or Stats == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    -- BUG: i <= PORT_COUNT: the fifth entry is written past the end of Ports,
    -- over the POOL_HEADER of Stats.
    for i = 0, PORT_COUNT do
      Ports:write(i * PORT_ENTRY_SIZE, string.pack("<I4I4", i, 0xFFFF))
    end
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Ports, "PmPt")
      ExFreePoolWithTag(Stats, "PmSt")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "portmap.sys"
  Sleep "10ms"
  UnloadDriver "portmap.sys"
end)
