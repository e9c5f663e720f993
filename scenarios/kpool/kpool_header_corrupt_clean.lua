-- kpool_header_corrupt (clean twin): the loop stops at the last entry, so the next block's header is intact (no verifier).
scenario {
  expect = "clean",
}

local PORT_COUNT, PORT_ENTRY_SIZE = 4, 8           -- PORT_ENTRY Ports[4], 8 bytes each

driver "portmap.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Ports = ExAllocatePoolWithTag(PagedPool, PORT_COUNT * PORT_ENTRY_SIZE, "PmPt")
    Stats = ExAllocatePoolWithTag(PagedPool, 64, "PmSt")   -- lands right after Ports
    if Ports == nil or Stats == nil then
      if Ports ~= nil then ExFreePoolWithTag(Ports, "PmPt") end
      if Stats ~= nil then ExFreePoolWithTag(Stats, "PmSt") end
      return STATUS_INSUFFICIENT_RESOURCES
    end
    for i = 0, PORT_COUNT - 1 do                    -- right: i < PORT_COUNT
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
