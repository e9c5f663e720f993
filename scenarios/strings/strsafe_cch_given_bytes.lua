-- strsafe_cch_given_bytes: the most common misuse of ntstrsafe: a Cch
-- routine given the buffer's size in bytes (sizeof) instead of characters.
-- The WCHAR buffer holds 16 characters; the driver tells
-- RtlStringCchCopyW it holds 32, so a 20-character name is copied past the
-- end instead of being cut. Special pool puts the block against a guard
-- page: the first store beyond it faults (0xD6, P2 1 = a write).
scenario {
  verifier = "/standard /driver names.sys",
  expect   = { bugcheck = 0xD6, p2 = 1, driver = "names.sys" },
}

local NAME_CHARS = 16

driver "names.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Name = ExAllocatePoolWithTag(NonPagedPoolNx, NAME_CHARS * 2, "Name")
    -- BUG: sizeof(Name) is 32 bytes, but the Cch form counts WCHARs (16).
    RtlStringCchCopyW(Name, NAME_CHARS * 2, "\\Device\\SerialPort19")
    DriverObject.DriverUnload = function(DriverObject) ExFreePoolWithTag(Name, "Name") end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "names.sys"
  UnloadDriver "names.sys"
end)
