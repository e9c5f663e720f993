-- Clean twin of strsafe_cch_given_bytes.lua: the byte count goes to the Cb
-- form, which divides by sizeof(WCHAR); the long name is cut to 15
-- characters and terminated, and STATUS_BUFFER_OVERFLOW says so.
scenario { verifier = "/standard /driver names.sys", expect = "clean" }

local NAME_CHARS = 16

driver "names.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    Name = ExAllocatePoolWithTag(NonPagedPoolNx, NAME_CHARS * 2, "Name")
    local status = RtlStringCbCopyW(Name, NAME_CHARS * 2, "\\Device\\SerialPort19")
    assert(status == 0x80000005, "STATUS_BUFFER_OVERFLOW")
    DriverObject.DriverUnload = function(DriverObject) ExFreePoolWithTag(Name, "Name") end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "names.sys"
  UnloadDriver "names.sys"
end)
