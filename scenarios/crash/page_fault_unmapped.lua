-- page_fault_unmapped: at PASSIVE_LEVEL a driver reads at an offset taken unchecked from a device header, outside any mapping (0x50).
scenario {
  -- P1 is the address referenced; P2 0 = a read; P4 2 =
  -- NONPAGED_BUGCHECK_NOT_PRESENT_PAGE_TABLE, an address never mapped.
  -- Source: windows-driver-docs-pr/debugger/bug-check-0x50--page-fault-in-nonpaged-area.md
  expect = { bugcheck = 0x50, p2 = 0, p3 = 0, p4 = 2, driver = "fwparse.sys" },
}

local HEADER_SIZE = 256

-- Reads the device's capability header into Header. The device is still in
-- D3, so its registers read back as all ones: DataOffset = 0xFFFFFF00.
local function ReadCapabilityHeader(Header)
  Header:write(0, string.rep("\xFF", 16))
  return 0xFFFFFF00                          -- Header->DataOffset
end

driver "fwparse.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Header = ExAllocatePoolWithTag(PagedPool, HEADER_SIZE, "FwHd")
    if Header == nil then
      return STATUS_INSUFFICIENT_RESOURCES
    end
    local DataOffset = ReadCapabilityHeader(Header)
    -- BUG: DataOffset is trusted; nothing checks it against HEADER_SIZE.
    Capabilities = Header:read(DataOffset, 8)
    DriverObject.DriverUnload = function(DriverObject)
      ExFreePoolWithTag(Header, "FwHd")
    end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "fwparse.sys"
  Sleep "10ms"
  UnloadDriver "fwparse.sys"
end)
