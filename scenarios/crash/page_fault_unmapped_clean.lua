-- page_fault_unmapped (clean twin): the driver checks the device's data offset against the header size and falls back to defaults.
scenario {
  expect = "clean",
}

local HEADER_SIZE = 256
local DEFAULT_CAPABILITIES = "\0\0\0\0\0\0\0\0"

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
    if DataOffset <= HEADER_SIZE - 8 then    -- right: validate what the device says
      Capabilities = Header:read(DataOffset, 8)
    else
      Capabilities = DEFAULT_CAPABILITIES    -- re-read once the device is in D0
    end
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
