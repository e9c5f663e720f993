-- More of the counted-string routines drivers call: RtlUpcaseUnicodeString
-- (into a caller's buffer, or allocated and freed with RtlFreeUnicodeString),
-- RtlInitEmptyUnicodeString over a buffer, RtlPrefixUnicodeString, and GUIDs
-- to and from their braced string form (RtlStringFromGUID allocates).
scenario { verifier = "/standard /driver names.sys", expect = "clean" }

driver "names.sys" {
  DriverEntry = function(DriverObject, RegistryPath)
    local Src = UNICODE_STRING()
    RtlInitUnicodeString(Src, "\\Device\\Serial0")
    local Buffer = ExAllocatePoolWithTag(PagedPool, 64, "Name")
    local Upper = UNICODE_STRING()
    RtlInitEmptyUnicodeString(Upper, Buffer, 64)
    assert(Upper.Length == 0 and Upper.MaximumLength == 64)
    assert(RtlUpcaseUnicodeString(Upper, Src, false) == STATUS_SUCCESS)
    assert(Upper.Length == Src.Length and Buffer:read(0, 4) == "\\\0D\0")
    assert(Buffer:read(2, 14) == "D\0E\0V\0I\0C\0E\0\\\0")
    local Prefix = UNICODE_STRING()
    RtlInitUnicodeString(Prefix, "\\device\\")
    assert(RtlPrefixUnicodeString(Prefix, Src, true) and not RtlPrefixUnicodeString(Prefix, Src, false))
    local Small = UNICODE_STRING()
    RtlInitEmptyUnicodeString(Small, Buffer, 8)
    assert(RtlUpcaseUnicodeString(Small, Src, false) == 0x80000005, "STATUS_BUFFER_OVERFLOW")
    local Allocated = UNICODE_STRING()
    assert(RtlUpcaseUnicodeString(Allocated, Src, true) == STATUS_SUCCESS)
    RtlFreeUnicodeString(Allocated)

    local Guid = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Guid")
    Guid:write(0, "\x78\x56\x34\x12\xBC\x9A\xF0\xDE\x01\x23\x45\x67\x89\xAB\xCD\xEF")
    local Text = UNICODE_STRING()
    assert(RtlStringFromGUID(Guid, Text) == STATUS_SUCCESS and Text.Length == 76)
    local Back = ExAllocatePoolWithTag(NonPagedPoolNx, 16, "Guid")
    assert(RtlGUIDFromString(Text, Back) == STATUS_SUCCESS)
    assert(RtlCompareMemory(Guid, Back, 16) == 16)
    assert(Text.Buffer:read(0, 20) == "{\0" .. "1\0" .. "2\0" .. "3\0" .. "4\0" .. "5\0" .. "6\0" .. "7\0" .. "8\0" .. "-\0")
    RtlFreeUnicodeString(Text)
    ExFreePoolWithTag(Guid, "Guid"); ExFreePoolWithTag(Back, "Guid"); ExFreePoolWithTag(Buffer, "Name")
    DriverObject.DriverUnload = function(DriverObject) end
    return STATUS_SUCCESS
  end,
}

run(function()
  LoadDriver "names.sys"
  UnloadDriver "names.sys"
end)
